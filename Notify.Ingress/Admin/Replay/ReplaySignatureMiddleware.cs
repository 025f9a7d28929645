using System.Buffers.Binary;
using Microsoft.Extensions.Options;

namespace Notify.Ingress.Admin.Replay;

/// <summary>
/// Checks the replay signature on the body as it arrived, before gRPC or JSON transcoding parse it:
/// only the two replay routes (gRPC and HTTP JSON) are buffered, the body is read once, verified in
/// constant time and rewound for the handler. The verdict is left on the request; the admin
/// interceptor enforces it after the caller's token is checked, so a refusal is answered like any
/// other gRPC error and recorded in the audit log with the caller's name.
/// </summary>
internal sealed class ReplaySignatureMiddleware(RequestDelegate next, IOptions<AdminOptions> options, TimeProvider time)
{
    public const string GrpcPath = "/notify.admin.v1.AdminService/ReplayDeadLetters";
    public const string HttpPath = "/admin/v1/dead-letters:replay";

    /// <summary>
    /// The largest body read: the gRPC message limit (100,000 ids fit well within it) plus the
    /// frame prefix. A larger body is not a replay request anyone signed.
    /// </summary>
    public const int MaxBodyBytes = Extensions.MaxReceiveMessageBytes + GrpcPrefixLength;

    private const int GrpcPrefixLength = 5;
    private static readonly object VerdictKey = new();

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var grpc = request.Path.Equals(GrpcPath, StringComparison.Ordinal);
        if (HttpMethods.IsPost(request.Method) && (grpc || request.Path.Equals(HttpPath, StringComparison.OrdinalIgnoreCase)))
        {
            context.Items[VerdictKey] = await VerifyAsync(context, grpc);
        }
        await next(context);
    }

    /// <summary>The verdict on this request's signature; Missing when the middleware did not see it (fail closed).</summary>
    public static SignatureVerdict VerdictOf(HttpContext context)
        => context.Items.TryGetValue(VerdictKey, out var value) && value is SignatureVerdict verdict ? verdict : SignatureVerdict.Missing;

    private async Task<SignatureVerdict> VerifyAsync(HttpContext context, bool grpc)
    {
        var settings = options.Value;
        if (!settings.Configured || string.IsNullOrEmpty(settings.ReplayHmacSecret))
        {
            return SignatureVerdict.Missing;    // the interceptor answers UNAVAILABLE first
        }
        var header = context.Request.Headers[ReplaySignature.Header].ToString();
        if (header.Length == 0)
        {
            return SignatureVerdict.Missing;
        }

        context.Request.EnableBuffering();
        var body = await ReadAsync(context.Request.Body, context.RequestAborted);
        context.Request.Body.Position = 0;
        if (body is null)
        {
            return SignatureVerdict.TooLarge;
        }

        var payload = body.AsMemory();
        if (grpc)
        {
            // One unary message: a 1-byte compression flag, a 4-byte big-endian length, the message.
            if (body.Length < GrpcPrefixLength)
            {
                return SignatureVerdict.Malformed;
            }
            if (body[0] != 0)
            {
                return SignatureVerdict.Compressed;
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4));
            if (length != (uint)(body.Length - GrpcPrefixLength))
            {
                return SignatureVerdict.Malformed;
            }
            payload = payload[GrpcPrefixLength..];
        }
        return ReplaySignature.Verify(header, settings.ReplayHmacSecret, payload.Span, time.GetUtcNow(), settings.SignatureTolerance);
    }

    /// <summary>The whole body, or null when it is larger than <see cref="MaxBodyBytes"/> (what was read stays buffered).</summary>
    private static async Task<byte[]?> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
