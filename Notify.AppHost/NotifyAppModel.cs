using Notify.Hosting;

namespace Notify.AppHost;

/// <summary>
/// The Notify topology, shared by the AppHost and the topology tests (the stand-in for
/// Aspire's DistributedApplicationTestingBuilder over the AppHost project).
/// </summary>
public static class NotifyAppModel
{
    public static readonly IReadOnlyList<(string Name, string Project)> ChannelProjects =
    [
        ("email", "../Notify.Email/Notify.Email.csproj"),
        ("sms", "../Notify.Sms/Notify.Sms.csproj"),
        ("whatsapp", "../Notify.WhatsApp/Notify.WhatsApp.csproj"),
        ("webhook", "../Notify.Webhook/Notify.Webhook.csproj"),
        ("push", "../Notify.Push/Notify.Push.csproj"),
    ];

    /// <summary>
    /// The channels the sandbox posts receipts to by name (SendGrid's and Meta's webhook URLs are
    /// per account); Twilio's go to the StatusCallback each SMS names, so sms needs no reference.
    /// </summary>
    public static readonly IReadOnlyList<string> ReceiptChannels = ["email", "whatsapp"];

    public static NotifyTopology Configure(LocalAppBuilder builder, NotifyAppModelOptions? options = null)
    {
        options ??= new NotifyAppModelOptions();
        var repo = options.RepositoryRoot ?? RepositoryRoot.Find();
        builder.Options.AppHostDirectory = Path.Combine(repo, "Notify.AppHost");
        builder.Options.StateDirectory = options.StateDirectory ?? Path.Combine(repo, ".notify");
        var apiKey = DevelopmentApiKey.LoadOrCreate(builder.Options.StateDirectory);
        var admin = DevelopmentAdminSecrets.LoadOrCreate(builder.Options.StateDirectory);
        if (options.OtlpEndpoint is { } otlp)
        {
            builder.Options.OtlpEndpoint = otlp;
            builder.Options.OtlpProtocol = options.OtlpProtocol ?? builder.Options.OtlpProtocol;
        }

        var postgres = builder.AddPostgres("postgres")
            .WithPersistence(options.PersistentPostgres)
            .WithDurability(options.DurablePostgres);
        var notifyDb = postgres.AddDatabase("notifydb");
        var redis = builder.AddRedis("redis");

        var ingress = builder.AddProject("ingress", "../Notify.Ingress/Notify.Ingress.csproj")
            .WithHttpEndpoint("http")                       // HTTP/1: HTTP JSON routes (the admin API)
            .WithHttp2Endpoint("grpc")                      // plaintext HTTP/2 for gRPC
            .WithReference(notifyDb).WaitFor(notifyDb)
            .WithReference(redis).WaitFor(redis)
            .WithEnvironment("Notify__Bootstrap__TenantName", "dev")
            .WithEnvironment("Notify__Bootstrap__ApiKey", apiKey.Value)
            .WithEnvironment("Notify__Admin__Jwt__SigningKeys__0", admin.SigningKeyBase64)
            .WithEnvironment("Notify__Admin__ReplayHmacSecret", admin.ReplayHmacSecret)
            .WithReplicas(options.IngressReplicas)
            .WithManagementEndpoint();                      // /health, /metrics; ready once it has run the migrations
        foreach (var (name, value) in options.IngressEnvironment)
        {
            ingress.WithEnvironment(name, value);
        }

        // Speaks SendGrid's, Twilio's, WhatsApp's, FCM's and APNs' wire protocols, and SMTP on its
        // own port: the channels' default provider, so development and tests never reach a real one.
        var sandbox = builder.AddProject("sandbox", "../Notify.Sandbox/Notify.Sandbox.csproj")
            .WithHttpEndpoint("http")
            .WithHttp2Endpoint("apns")                      // APNs is HTTP/2 only: h2c, services__sandbox__apns__0
            .WithTcpEndpoint("smtp", env: "Sandbox__Smtp__Port")   // services__sandbox__smtp__0=smtp://…
            .WithManagementEndpoint();
        foreach (var (name, value) in options.SandboxEnvironment)
        {
            sandbox.WithEnvironment(name, value);
        }

        var channels = !options.IncludeChannels ? [] : ChannelProjects
            .Select(channel => builder.AddProject(channel.Name, channel.Project)
                .WithHttpEndpoint("http")
                .WithReference(notifyDb).WithReference(redis)
                .WithReference(sandbox)                     // services__sandbox__http__0
                .WaitFor(ingress)                           // schema exists once the ingress is healthy
                .WithReplicas(options.ReplicasOf(channel.Name))
                // Each replica's share of the provider rate while Redis is away.
                .WithEnvironment("Notify__Delivery__Replicas", options.ReplicasOf(channel.Name).ToString(System.Globalization.CultureInfo.InvariantCulture))
                .WithManagementEndpoint())
            .ToList();
        foreach (var channel in channels)
        {
            foreach (var (name, value) in options.ChannelEnvironment)
            {
                channel.WithEnvironment(name, value);
            }
        }
        // Receipts go back the other way, as the providers send them: the sandbox resolves
        // http://email and http://whatsapp by service discovery.
        // Ports are planned before anything starts, so the mutual reference needs no start order.
        foreach (var channel in channels.Where(c => ReceiptChannels.Contains(c.Name)))
        {
            sandbox.WithReference(channel);
        }

        // Every process's /metrics over time, when Debian's prometheus is installed.
        var prometheus = options.Prometheus
            ? builder.AddPrometheus("prometheus").WithScrapeInterval(TimeSpan.FromSeconds(5)).WithScrapeEndpoint(OperatorEndpoint.Name)
            : null;

        return new NotifyTopology(builder.Options.StateDirectory, apiKey.Value, apiKey.Path, notifyDb, redis, ingress, channels, sandbox, prometheus, admin);
    }
}
