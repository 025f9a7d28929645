using System.Net;
using System.Text;
using Google.Api;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Notify.AppHost;
using Notify.Grpc.Admin.V1;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Topology;

/// <summary>
/// Every API authenticated, health and metrics for operators only (issue 6, item 6), on the
/// running topology: each rpc the ingress serves and each HTTP route of its admin API refuses a
/// caller without credentials, each receipt endpoint refuses an unsigned request, and no public
/// endpoint of any process answers the health and metrics paths, which its management endpoint
/// (loopback) does. The inventory is in docs/RELIABILITY.md.
/// </summary>
[Collection(PrivacyTopologyFixture.Collection)]
public sealed class EndpointSecurityTests(PrivacyTopologyFixture topology)
{
    /// <summary>The services served without credentials, on purpose: the serving status, and the description of the public contract.</summary>
    private static readonly string[] OpenServices = ["grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"];

    private static readonly Dictionary<string, ServiceDescriptor> KnownServices =
        new[] { NotifyReflection.Descriptor, AdminReflection.Descriptor }.SelectMany(f => f.Services).ToDictionary(s => s.FullName);

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    private readonly HttpClient _http = new();

    [Fact]
    public async Task Every_rpc_the_ingress_serves_refuses_a_call_without_credentials_or_with_a_bad_one()
    {
        using var channel = GrpcChannel.ForAddress(topology.App.GetEndpoint("ingress", "grpc"));
        var served = await ServedServicesAsync(channel);
        Assert.Contains(NotifyService.Descriptor.FullName, served);
        var unknown = served.Except(OpenServices).Where(s => !KnownServices.ContainsKey(s)).ToList();
        Assert.True(unknown.Count == 0, $"The ingress serves {string.Join(", ", unknown)}, which this test does not know: add it here and to docs/RELIABILITY.md.");

        var answers = new List<string>();
        foreach (var service in served.Except(OpenServices).Select(s => KnownServices[s]))
        {
            foreach (var method in service.Methods)
            {
                foreach (var credentials in new[] { new Metadata(), new Metadata { { "authorization", "Bearer nfy_not-a-key" } } })
                {
                    var status = await CallAsync(channel, method, credentials);
                    if (status != StatusCode.Unauthenticated)
                    {
                        answers.Add($"{service.Name}/{method.Name} with {(credentials.Count == 0 ? "no credentials" : "a bad bearer")}: {status}");
                    }
                }
            }
        }
        Assert.True(answers.Count == 0, "Answered otherwise than UNAUTHENTICATED:\n" + string.Join("\n", answers));
    }

    [Fact]
    public async Task Every_http_route_of_the_ingress_refuses_a_call_without_credentials()
    {
        using var channel = GrpcChannel.ForAddress(topology.App.GetEndpoint("ingress", "grpc"));
        var served = await ServedServicesAsync(channel);
        var routes = served.Where(KnownServices.ContainsKey)
            .SelectMany(s => KnownServices[s].Methods)
            .Select(m => m.GetOptions()?.GetExtension(AnnotationsExtensions.Http))
            .OfType<HttpRule>()
            .ToList();
        Assert.True(routes.Count > 0 || !served.Contains(AdminService.Descriptor.FullName), "The admin API is served but declares no HTTP route.");

        var answers = new List<string>();
        foreach (var rule in routes)
        {
            var (method, template) = rule.PatternCase switch
            {
                HttpRule.PatternOneofCase.Get => (HttpMethod.Get, rule.Get),
                HttpRule.PatternOneofCase.Post => (HttpMethod.Post, rule.Post),
                HttpRule.PatternOneofCase.Put => (HttpMethod.Put, rule.Put),
                HttpRule.PatternOneofCase.Delete => (HttpMethod.Delete, rule.Delete),
                HttpRule.PatternOneofCase.Patch => (HttpMethod.Patch, rule.Patch),
                _ => throw new InvalidOperationException($"Unexpected HTTP rule {rule}"),
            };
            var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{[^}]+\}", Guid.NewGuid().ToString());
            using var request = new HttpRequestMessage(method, topology.Public("ingress", path));
            if (method != HttpMethod.Get && method != HttpMethod.Delete)
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }
            using var response = await _http.SendAsync(request);
            if (response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
            {
                answers.Add($"{method} {template}: {(int)response.StatusCode}");
            }
        }
        Assert.True(answers.Count == 0, "Answered otherwise than 401/403 without credentials:\n" + string.Join("\n", answers));
    }

    [Fact]
    public async Task Every_receipt_endpoint_refuses_an_unsigned_request()
    {
        var unsigned = new (string Resource, HttpMethod Method, string Path, string Body)[]
        {
            ("email", HttpMethod.Post, "/webhooks/sendgrid", """[{"email":"ada@example.com","event":"delivered"}]"""),
            ("sms", HttpMethod.Post, $"/webhooks/twilio/status?delivery_id={Guid.NewGuid()}", "MessageSid=SM1&MessageStatus=delivered"),
            ("whatsapp", HttpMethod.Post, "/webhooks/whatsapp", """{"object":"whatsapp_business_account","entry":[]}"""),
            ("whatsapp", HttpMethod.Get, "/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1", ""),
        };
        foreach (var (resource, method, path, body) in unsigned)
        {
            using var request = new HttpRequestMessage(method, topology.Public(resource, path));
            if (method == HttpMethod.Post)
            {
                request.Content = new StringContent(body, Encoding.UTF8, path.Contains("twilio") ? "application/x-www-form-urlencoded" : "application/json");
            }
            using var response = await _http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{resource} {method} {path} answered {(int)response.StatusCode} without a signature");
        }
    }

    [Fact]
    public async Task Health_and_metrics_are_served_on_the_loopback_management_endpoint_and_on_no_public_one()
    {
        using var h2c = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        foreach (var resource in new[] { "ingress", "email", "sms", "whatsapp", "webhook", "push", "sandbox" })
        {
            var process = topology.App.GetProcess(resource);
            var management = process.Endpoints[OperatorEndpoint.Name];
            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(management.Host)), $"{resource}: management endpoint {management}");
            foreach (var path in new[] { "/health", "/alive", "/health/detail", "/metrics" })
            {
                Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(management, path))).StatusCode);
                foreach (var (name, endpoint) in process.Endpoints.Where(e => e.Key != OperatorEndpoint.Name && e.Value.Scheme == "http"))
                {
                    // HTTP/2-only endpoints (the ingress's gRPC, the sandbox's APNs) are asked over h2c.
                    var client = name is "grpc" or "apns" ? h2c : _http;
                    var answer = await client.GetAsync(new Uri(endpoint, path));
                    Assert.True(answer.StatusCode == HttpStatusCode.NotFound, $"{resource} {name} {path} answered {(int)answer.StatusCode}");
                }
            }
            // The management endpoint serves nothing else: a receipt path there is not found.
            Assert.Equal(HttpStatusCode.NotFound, (await _http.PostAsync(new Uri(management, "/webhooks/sendgrid"), new StringContent("[]"))).StatusCode);
        }
    }

    [Fact]
    public async Task Outside_the_AppHost_a_process_given_only_its_public_urls_serves_health_and_metrics_on_loopback_only()
    {
        // A database of its own on the topology's server: the ingress migrates it, and the channel
        // process claims from it, far from the topology's own deliveries.
        var database = "standalone_" + topology.Run;
        var postgres = topology.App.GetPostgresServer("postgres");
        await postgres.CreateDatabaseAsync(database);
        Dictionary<string, string> Settings(params (string Key, string Value)[] more)
        {
            var settings = new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__notifydb"] = postgres.ConnectionString(database),
                ["ConnectionStrings__redis"] = topology.App.GetConnectionString("redis"),
            };
            foreach (var (key, value) in more)
            {
                settings[key] = value;
            }
            return settings;
        }

        var (http, grpc) = (Notify.Hosting.Processes.FreePort.Next(), Notify.Hosting.Processes.FreePort.Next());
        await AssertOperatorsOnlyAsync("Notify.Ingress", [(http, false), (grpc, true)], Settings(
            ("Kestrel__Endpoints__http__Url", $"http://0.0.0.0:{http}"),
            ("Kestrel__Endpoints__grpc__Url", $"http://0.0.0.0:{grpc}")));

        var webhook = Notify.Hosting.Processes.FreePort.Next();
        await AssertOperatorsOnlyAsync("Notify.Webhook", [(webhook, false)], Settings(
            ("Kestrel__Endpoints__http__Url", $"http://0.0.0.0:{webhook}"),
            ("Notify__Webhook__SigningSecrets__0", Webhook.SpecVerifier.NewSecret())));
    }

    /// <summary>
    /// Starts <paramref name="project"/> with public endpoints on every interface and no management
    /// setting, then checks what an outsider and an operator each reach, and what the kernel says
    /// the process listens on.
    /// </summary>
    private async Task AssertOperatorsOnlyAsync(string project, (int Port, bool Http2)[] publicPorts, Dictionary<string, string> settings)
    {
        await using var process = StandaloneProcess.Start(project, topology.App.Options.Configuration, settings);
        var management = new Uri(await process.WaitForAsync(@"Health and metrics for operators on (\S+) "));

        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(management.Host)), $"{project}: management on {management}");
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(management, "/health"))).StatusCode);
        Assert.Contains("# TYPE", await _http.GetStringAsync(new Uri(management, "/metrics")));

        var sockets = ListeningSockets.Of(process.Pid);
        Assert.Contains(sockets, s => s.Port == management.Port && IPAddress.IsLoopback(s.Address));
        Assert.All(sockets, s => Assert.True(IPAddress.IsLoopback(s.Address) || publicPorts.Any(p => p.Port == s.Port),
            $"{project} listens on {s}, neither loopback nor a public endpoint it was given"));

        // From another interface of this machine, as a neighbour on the network would come.
        if (System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
                .SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)) is { } outside)
        {
            using var h2c = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            foreach (var (port, http2) in publicPorts)
            {
                var path = new Uri($"http://{outside}:{port}/metrics");
                var answer = await (http2 ? h2c : _http).GetAsync(path);
                Assert.True(answer.StatusCode == HttpStatusCode.NotFound, $"{project}: {path} answered {(int)answer.StatusCode}");
            }
            await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync($"http://{outside}:{management.Port}/metrics"));
        }
    }

    /// <summary>The services the ingress lists through gRPC reflection.</summary>
    private static async Task<IReadOnlyList<string>> ServedServicesAsync(GrpcChannel channel)
    {
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "*" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        List<string> services = [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];

        // Read to the end, as a well-behaved client does: disposing a call whose stream is still
        // open resets it, and the ingress logs the reset as a handler error, which other tests
        // sharing this topology look for.
        while (await call.ResponseStream.MoveNext())
        {
        }

        return services;
    }

    /// <summary>Calls <paramref name="method"/> with an empty request (valid protobuf: every field unset) and returns its status.</summary>
    private static async Task<StatusCode> CallAsync(GrpcChannel channel, MethodDescriptor method, Metadata headers)
    {
        var type = method.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary;
        var call = new Method<byte[], byte[]>(type, method.Service.FullName, method.Name, Bytes, Bytes);
        try
        {
            if (method.IsServerStreaming)
            {
                using var stream = channel.CreateCallInvoker().AsyncServerStreamingCall(call, null, new CallOptions(headers), []);
                while (await stream.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else
            {
                await channel.CreateCallInvoker().AsyncUnaryCall(call, null, new CallOptions(headers), []);
            }
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
