using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Notify.Tests.Infrastructure.Otlp;

/// <summary>
/// A collector for tests: OTLP/HTTP with protobuf bodies on 127.0.0.1, as the exporter sends
/// with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>. It keeps every span of
/// <c>POST /v1/traces</c> and acknowledges metrics and logs without reading them, unless asked
/// to keep every export's raw bytes too (<see cref="RawExports"/>: what a privacy test searches).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly ConcurrentQueue<RawExport> _raw = new();
    private readonly bool _keepRaw;

    private OtlpReceiver(WebApplication app, bool keepRaw)
    {
        _app = app;
        _keepRaw = keepRaw;
        _app.MapPost("/v1/traces", ReceiveTracesAsync);
        _app.MapPost("/v1/metrics", (HttpRequest request) => KeepAsync("metrics", request));
        _app.MapPost("/v1/logs", (HttpRequest request) => KeepAsync("logs", request));
    }

    /// <summary>Every export received (logs, traces, metrics) as it arrived, decompressed; empty unless started with <c>keepRaw</c>.</summary>
    public IReadOnlyCollection<RawExport> RawExports => _raw;

    /// <summary>The base URL for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the exporter appends <c>/v1/traces</c>).</summary>
    public string Endpoint { get; private set; } = "";

    public const string Protocol = "http/protobuf";

    /// <summary>Every span received so far, from every process.</summary>
    public IReadOnlyCollection<ReceivedSpan> Spans => _spans;

    public static async Task<OtlpReceiver> StartAsync(bool keepRaw = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var receiver = new OtlpReceiver(builder.Build(), keepRaw);
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Endpoint = new Uri(address).GetLeftPart(UriPartial.Authority);
        return receiver;
    }

    /// <summary>The spans of one trace (32 lowercase hex digits) received so far.</summary>
    public IReadOnlyList<ReceivedSpan> SpansOf(string traceId) => [.. _spans.Where(s => s.TraceId == traceId)];

    private async Task<IResult> ReceiveTracesAsync(HttpRequest request)
    {
        if (!request.ContentType?.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase) ?? true)
        {
            // Only the binary encoding is served; say so as a collector would.
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }
        var bytes = await ReadAsync(request);
        if (_keepRaw)
        {
            _raw.Enqueue(new RawExport("traces", bytes));
        }
        var export = ExportTraceServiceRequest.Parser.ParseFrom(bytes);
        foreach (var resource in export.ResourceSpans)
        {
            var service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue ?? "";
            foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
            {
                _spans.Enqueue(ReceivedSpan.From(service, span));
            }
        }
        return Acknowledge();
    }

    private async Task<IResult> KeepAsync(string signal, HttpRequest request)
    {
        if (_keepRaw)
        {
            _raw.Enqueue(new RawExport(signal, await ReadAsync(request)));
        }
        return Acknowledge();
    }

    private static async Task<byte[]> ReadAsync(HttpRequest request)
    {
        var body = request.Headers.ContentEncoding == "gzip" ? new GZipStream(request.Body, CompressionMode.Decompress) : request.Body;
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>An empty export response: zero bytes are a valid protobuf message with every field unset.</summary>
    private static IResult Acknowledge() => Results.Bytes([], "application/x-protobuf");

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>
/// One OTLP export as it arrived (protobuf). Strings travel in protobuf as their UTF-8 bytes, so
/// <see cref="Text"/> (every byte as one Latin-1 character) contains each string value verbatim.
/// </summary>
public sealed record RawExport(string Signal, byte[] Body)
{
    public string Text { get; } = System.Text.Encoding.Latin1.GetString(Body);
}

/// <summary>One span as a test reads it: ids as lowercase hex, attributes as strings.</summary>
public sealed record ReceivedSpan(
    string Service,
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    SpanKind Kind,
    IReadOnlyDictionary<string, string> Attributes)
{
    public static ReceivedSpan From(string service, Span span) => new(
        service,
        Convert.ToHexStringLower(span.TraceId.Span),
        Convert.ToHexStringLower(span.SpanId.Span),
        span.ParentSpanId.IsEmpty ? null : Convert.ToHexStringLower(span.ParentSpanId.Span),
        span.Name,
        span.Kind,
        span.Attributes.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => Text(g.First().Value)));

    public string? Attribute(string key) => Attributes.GetValueOrDefault(key);

    public override string ToString() => $"{Service} {Kind} \"{Name}\" {SpanId} (parent {ParentSpanId ?? "none"})";

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BytesValue => Convert.ToHexStringLower(value.BytesValue.Span),
        _ => "",
    };
}
