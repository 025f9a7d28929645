using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Notify.Grpc.Admin.V1;
using Notify.Grpc.V1;

namespace Notify.Cli.Connection;

/// <summary>The gRPC clients a command uses, over one channel to the ingress.</summary>
public sealed class NotifyClients : IDisposable
{
    private readonly GrpcChannel _channel;

    public NotifyClients(NotifyEndpoints endpoints)
    {
        Endpoints = endpoints;
        _channel = GrpcChannel.ForAddress(endpoints.RequireIngress());
    }

    public NotifyEndpoints Endpoints { get; }

    /// <summary>The admin API with the admin token; a usage error when there is none.</summary>
    public AdminService.AdminServiceClient Admin() => new(_channel.Intercept(Bearer(
        Endpoints.AdminToken ?? throw new CliException(ExitCodes.Usage,
            "No admin token: pass --token or set NOTIFY_ADMIN_TOKEN (a local AppHost writes one to .notify/endpoints.json)."))));

    /// <summary>The tenant API with the tenant API key; a usage error when there is none.</summary>
    public NotifyService.NotifyServiceClient Tenant() => new(_channel.Intercept(Bearer(
        Endpoints.ApiKey ?? throw new CliException(ExitCodes.Usage,
            "No tenant API key: pass --api-key or set NOTIFY_API_KEY (a local AppHost's development key is in .notify/endpoints.json)."))));

    public void Dispose() => _channel.Dispose();

    private static Func<Metadata, Metadata> Bearer(string secret) => metadata =>
    {
        metadata.Add("authorization", "Bearer " + secret);
        return metadata;
    };
}
