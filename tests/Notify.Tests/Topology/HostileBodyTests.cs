using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Topology;

/// <summary>
/// Oversized and malformed bodies (issue 6, item 8) at the real processes, through Kestrel as
/// deployed: a gRPC message over the ingress's 16 MiB receive limit, bytes that are not the
/// message, a truncated frame, a wrong content type; oversized and malformed JSON at the admin
/// API's HTTP routes; oversized bodies at every receipt endpoint. Each is answered with a precise
/// status (never a 500 or an exception's details), writes nothing, and the process answers a good
/// request afterwards.
/// </summary>
[Collection(PrivacyTopologyFixture.Collection)]
public sealed class HostileBodyTests(PrivacyTopologyFixture topology) : IDisposable
{
    private const int MiB = 1024 * 1024;

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly HttpClient _h2c = new()
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromMinutes(2),
    };

    [Fact]
    public async Task A_send_or_batch_over_the_16_MiB_receive_limit_is_resource_exhausted_and_writes_nothing()
    {
        var send = Requests.Email();
        send.Content.Email.TextBody = new string('x', 17 * MiB);
        var batch = new SendBatchRequest { Notifications = { Enumerable.Range(0, 20).Select(_ => Requests.Email()) } };
        foreach (var item in batch.Notifications)
        {
            item.Content.Email.TextBody = new string('y', MiB);
        }

        var sendError = await Assert.ThrowsAsync<RpcException>(() => topology.Client.SendAsync(send, topology.DevelopmentKey).ResponseAsync);
        var batchError = await Assert.ThrowsAsync<RpcException>(() => topology.Client.SendBatchAsync(batch, topology.DevelopmentKey).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, sendError.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, batchError.StatusCode);
        Assert.Equal(0L, await NotificationsWithKeysAsync([send.IdempotencyKey, .. batch.Notifications.Select(n => n.IdempotencyKey)]));
        await AssertIngressStillSendsAsync();
    }

    [Fact]
    public async Task Bytes_that_are_not_the_request_message_are_invalid_argument_not_a_handler_error_and_write_nothing()
    {
        var key = Requests.NewKey();
        var valid = Requests.Email(key).ToByteArray();
        var cases = new (string Name, byte[] Message)[]
        {
            // A length-delimited field whose length runs past the end of the message.
            ("a field longer than the message", [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x41]),
            // Wire type 7 does not exist.
            ("an unknown wire type", [0x0F, 0x01]),
            // A varint of eleven bytes.
            ("an endless varint", [0x08, .. Enumerable.Repeat((byte)0xFF, 11)]),
            // A valid request cut short: its idempotency key is in it, so a partial write would show.
            ("a valid request cut in half", valid[..(valid.Length / 2)]),
            ("random bytes", RandomBytes(4096)),
        };
        using var channel = GrpcChannel.ForAddress(topology.App.GetEndpoint("ingress", "grpc"));
        var invoker = channel.CreateCallInvoker();

        var answers = new List<string>();
        foreach (var (name, message) in cases)
        {
            foreach (var method in new[] { "Send", "SendBatch" })
            {
                var call = new Method<byte[], byte[]>(MethodType.Unary, NotifyService.Descriptor.FullName, method, Bytes, Bytes);
                var error = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(call, null, new CallOptions(topology.DevelopmentKey), message).ResponseAsync);
                answers.Add($"{method} {name}: {error.StatusCode} '{error.Status.Detail}'");
            }
        }

        // grpc-dotnet alone answers UNKNOWN "Exception was thrown by handler." and logs the parser's stack trace.
        Assert.All(answers, a => Assert.Matches(@": InvalidArgument 'The request body is not a valid (SendRequest|SendBatchRequest) message\.'$", a));
        // Only this test's methods: other tests sharing the topology may leave unrelated lines.
        Assert.DoesNotContain(topology.Logs, l => l.Source == "ingress"
            && (l.Text.Contains("Error when executing service method 'Send'", StringComparison.Ordinal)
                || l.Text.Contains("Error when executing service method 'SendBatch'", StringComparison.Ordinal)));
        Assert.Equal(0L, await NotificationsWithKeysAsync([key]));
        await AssertIngressStillSendsAsync();
    }

    [Fact]
    public async Task A_truncated_frame_a_compressed_flag_without_encoding_and_a_wrong_content_type_are_refused_by_the_grpc_protocol()
    {
        var key = Requests.NewKey();
        var message = Requests.Email(key).ToByteArray();

        var answers = new[]
        {
            // The prefix promises more bytes than the stream carries before it ends.
            ("truncated", await RawGrpcAsync(Frame(message, declaredLength: message.Length + 100), "application/grpc")),
            // Only the prefix.
            ("prefix only", await RawGrpcAsync(Frame([], declaredLength: 10), "application/grpc")),
            // Compressed, but the request names no grpc-encoding.
            ("compressed", await RawGrpcAsync(Frame(message, compressed: true), "application/grpc")),
            // The right frame, but not a gRPC content type.
            ("json", await RawGrpcAsync(Frame(message), "application/json")),
        }.Select(a => $"{a.Item1}: {(int)a.Item2.Http} {a.Item2.Grpc} '{a.Item2.Message}' body '{a.Item2.Body}'").ToList();

        Assert.Equal(
        [
            "truncated: 200 Internal 'Incomplete message.' body ''",
            "prefix only: 200 Internal 'Incomplete message.' body ''",
            "compressed: 200 Internal 'Request did not include grpc-encoding value with compressed message.' body ''",
            "json: 415 Internal 'Content-Type 'application/json' is not supported.' body ''",
        ], answers);
        Assert.Equal(0L, await NotificationsWithKeysAsync([key]));
        await AssertIngressStillSendsAsync();
    }

    [Fact]
    public async Task Malformed_json_at_the_admin_routes_is_400_an_oversized_body_413_and_nothing_changes()
    {
        var token = topology.Topology.Admin!.Mint("admin", "hostile-body-test");
        var name = "hostile-" + topology.Run;
        var bodies = new (string Name, Func<HttpContent> Content, string Answer)[]
        {
            ("JSON cut short", () => Json("{\"name\": \"" + name), Malformed),
            ("not JSON", () => Json("name=" + name), Malformed),
            ("an array for the object", () => Json("[\"" + name + "\"]"), Malformed),
            ("nesting 10,000 deep", () => Json(new string('[', 10_000) + new string(']', 10_000)), Malformed),
            ("17 MiB", () => Json("{\"name\": \"" + name + new string('a', 17 * MiB) + "\"}"), TooLarge),
            ("17 MiB streamed", () => Streamed(Encoding.UTF8.GetBytes("{\"name\": \"" + name + new string('a', 17 * MiB) + "\"}")), TooLarge),
            ("40 MB, over Kestrel's default limit", () => Json("{\"name\": \"" + name + new string('b', 40_000_000) + "\"}"), TooLarge),
        };
        var routes = new[] { "/admin/v1/tenants", $"/admin/v1/tenants/{name}:rotate-key", "/admin/v1/channels/email:pause", "/admin/v1/cleanup:run", "/admin/v1/dead-letters:replay" };
        var tenantsBefore = await CountAsync("SELECT count(*) FROM notify.tenants");
        var controlsBefore = await CountAsync("SELECT count(*) FROM notify.channel_control_events");
        var replaysBefore = await CountAsync("SELECT count(*) FROM notify.replay_runs");

        var unexpected = new List<string>();
        foreach (var route in routes)
        {
            foreach (var (bodyName, content, expected) in bodies)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, topology.Public("ingress", route)) { Content = content() };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                // The server answers an oversized body before reading it: wait for its go-ahead before sending.
                request.Headers.ExpectContinue = true;
                using var response = await _http.SendAsync(request);
                // (A server-streaming route's error ends with a line break.)
                var answer = $"{(int)response.StatusCode} {(await response.Content.ReadAsStringAsync()).TrimEnd()}";
                if (answer != expected)
                {
                    unexpected.Add($"{route} {bodyName}: {answer[..Math.Min(answer.Length, 300)]}");
                }
            }
        }

        Assert.True(unexpected.Count == 0, string.Join("\n", unexpected));
        Assert.Equal(tenantsBefore, await CountAsync("SELECT count(*) FROM notify.tenants"));
        Assert.Equal(controlsBefore, await CountAsync("SELECT count(*) FROM notify.channel_control_events"));
        Assert.Equal(replaysBefore, await CountAsync("SELECT count(*) FROM notify.replay_runs"));
        using var list = new HttpRequestMessage(HttpMethod.Get, topology.Public("ingress", "/admin/v1/tenants"));
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(list)).StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_at_every_receipt_endpoint_declared_or_streamed_is_413_stored_as_too_large_and_changes_no_delivery()
    {
        var endpoints = new (string Resource, string Path, string ContentType)[]
        {
            ("email", "/webhooks/sendgrid", "application/json"),
            ("sms", $"/webhooks/twilio/status?delivery_id={Guid.NewGuid()}", "application/x-www-form-urlencoded"),
            ("whatsapp", "/webhooks/whatsapp", "application/json"),
        };
        var before = await CountAsync("SELECT count(*) FROM notify.receipt_events WHERE refusal_reason = 'too_large'");

        var answers = new List<string>();
        foreach (var (resource, path, contentType) in endpoints)
        {
            // Once with its length declared, once streamed (chunked) so only the count of bytes read can stop it.
            foreach (var chunked in new[] { false, true })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, topology.Public(resource, path))
                {
                    Content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("[" + new string(' ', 2 * MiB) + "]"))),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                if (chunked)
                {
                    request.Headers.TransferEncodingChunked = true;
                }
                else
                {
                    request.Content.Headers.ContentLength = 2 * MiB + 2;
                }
                using var response = await _http.SendAsync(request);
                answers.Add($"{resource} {(chunked ? "chunked" : "with length")}: {(int)response.StatusCode}");
            }
            // The process answers what it should to a small request afterwards: unsigned, so 403.
            using var small = new HttpRequestMessage(HttpMethod.Post, topology.Public(resource, path)) { Content = new StringContent("[]", Encoding.UTF8, contentType) };
            using var answer = await _http.SendAsync(small);
            answers.Add($"{resource} small and unsigned: {(int)answer.StatusCode}");
        }

        Assert.Equal(
        [
            "email with length: 413", "email chunked: 413", "email small and unsigned: 403",
            "sms with length: 413", "sms chunked: 413", "sms small and unsigned: 403",
            "whatsapp with length: 413", "whatsapp chunked: 413", "whatsapp small and unsigned: 403",
        ], answers);
        Assert.Equal(before + 6, await CountAsync("SELECT count(*) FROM notify.receipt_events WHERE refusal_reason = 'too_large'"));
        // A refusal is stored with its reason only: no event id, no delivery (the body is never read as one).
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM notify.receipt_events WHERE refusal_reason = 'too_large' AND (event_id IS NOT NULL OR delivery_id IS NOT NULL OR status_after IS NOT NULL)"));
    }

    private async Task AssertIngressStillSendsAsync()
    {
        var response = await topology.Client.SendAsync(Requests.Email(email: $"after.hostile.{topology.Run}@example.com"), topology.DevelopmentKey);
        Assert.Single(response.Deliveries);
    }

    private async Task<(HttpStatusCode Http, StatusCode? Grpc, string Message, string Body)> RawGrpcAsync(byte[] body, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(topology.App.GetEndpoint("ingress", "grpc"), "/notify.v1.NotifyService/Send"))
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer " + topology.Topology.DevelopmentApiKey);
        using var response = await _h2c.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        string? Header(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
            : response.Headers.TryGetValues(name, out var h) ? h.First() : null;
        var status = Header("grpc-status") is { } s ? (StatusCode?)int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : null;
        return (response.StatusCode, status, Uri.UnescapeDataString(Header("grpc-message") ?? ""), text);
    }

    /// <summary>A gRPC length-prefixed message: compression flag, 4-byte big-endian length, the bytes.</summary>
    private static byte[] Frame(byte[] message, int? declaredLength = null, bool compressed = false)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1, 4), (uint)(declaredLength ?? message.Length));
        message.CopyTo(frame, 5);
        return frame;
    }

    private const string Malformed = "400 {\"code\":3,\"message\":\"Request JSON payload is not correctly formatted.\",\"details\":[]}";
    private const string TooLarge = "413 {\"code\":8,\"message\":\"The request body is larger than 16777216 bytes.\",\"details\":[]}";

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    /// <summary>A body without a declared length (chunked), so only the bytes counted as they arrive can stop it.</summary>
    private static HttpContent Streamed(byte[] bytes) => new UnsizedContent(bytes);

    private sealed class UnsizedContent : ByteArrayContent
    {
        public UnsizedContent(byte[] bytes) : base(bytes) => Headers.ContentType = new MediaTypeHeaderValue("application/json");

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(6).NextBytes(bytes);
        return bytes;
    }

    private async Task<long> NotificationsWithKeysAsync(string[] keys)
    {
        await using var database = NpgsqlDataSource.Create(topology.App.GetConnectionString("notifydb"));
        await using var command = database.CreateCommand("SELECT count(*) FROM notify.notifications WHERE idempotency_key = ANY(@keys)");
        command.Parameters.AddWithValue("keys", keys);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var database = NpgsqlDataSource.Create(topology.App.GetConnectionString("notifydb"));
        await using var command = database.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public void Dispose()
    {
        _http.Dispose();
        _h2c.Dispose();
    }
}
