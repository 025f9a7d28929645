using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Notify.Grpc.Admin.V1;
using Notify.Grpc.V1;

namespace Notify.Cli.Connection;

/// <summary>The gRPC clients a command uses, over one channel to the ingress.</summary>
public sealed class NotifyClients : IDisposable
{
    /// <summary>
    /// How long one unary call may take. A Notify that does not answer in this time is as good as
    /// unreachable for an operator (DEADLINE_EXCEEDED exits 3); streams and polling set their own.
    /// </summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly GrpcChannel _channel;

    public NotifyClients(NotifyEndpoints endpoints)
    {
        Endpoints = endpoints;
        _channel = GrpcChannel.ForAddress(endpoints.RequireIngress());
    }

    public NotifyEndpoints Endpoints { get; }

    /// <summary>The admin API with the admin token; exit 4 (not authenticated) when there is none.</summary>
    public AdminService.AdminServiceClient Admin() => new(_channel.Intercept(Bearer(
        Endpoints.AdminToken ?? throw new CliException(ExitCodes.Denied,
            "No admin token: pass --token or set NOTIFY_ADMIN_TOKEN (a local AppHost writes one to .notify/endpoints.json)."))));

    /// <summary>The tenant API with the tenant API key; exit 4 (not authenticated) when there is none.</summary>
    public NotifyService.NotifyServiceClient Tenant() => new(_channel.Intercept(Bearer(
        Endpoints.ApiKey ?? throw new CliException(ExitCodes.Denied,
            "No tenant API key: pass --api-key or set NOTIFY_API_KEY (a local AppHost's development key is in .notify/endpoints.json)."))));

    /// <summary>The secret replay bodies are signed with; exit 4 when there is none (the server would refuse the call).</summary>
    public string ReplayHmacSecret() => Endpoints.ReplayHmacSecret ?? throw new CliException(ExitCodes.Denied,
        "No replay HMAC secret: set NOTIFY_REPLAY_HMAC_SECRET (a local AppHost writes it to .notify/endpoints.json).");

    /// <summary>Options for one unary call: <see cref="CallTimeout"/> and the command's cancellation.</summary>
    public static CallOptions Call(CancellationToken cancellationToken, Metadata? headers = null) =>
        new(headers, DateTime.UtcNow + CallTimeout, cancellationToken);

    public void Dispose() => _channel.Dispose();

    private static Func<Metadata, Metadata> Bearer(string secret) => metadata =>
    {
        metadata.Add("authorization", "Bearer " + secret);
        return metadata;
    };
}
