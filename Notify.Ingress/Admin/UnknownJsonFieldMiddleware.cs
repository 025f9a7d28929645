using System.Text;
using Google.Protobuf;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;

namespace Notify.Ingress.Admin;

/// <summary>
/// Refuses an HTTP JSON body that names a field its request does not define, with 400 and a
/// <c>google.rpc.BadRequest</c> naming the field. JSON transcoding drops unknown fields
/// silently, so a misspelt one meant "use the default": <c>{"reson": …}</c> was a missing
/// reason, and a misspelt filter of a replay would have widened it to everything the other
/// filters match. Protobuf's own JSON parser refuses unknown fields, so the buffered body (see
/// <see cref="JsonBodyLimitMiddleware"/>, which runs first) is parsed with it into the request
/// type. Every other problem (malformed JSON, a wrong type) is left to transcoding, which reports
/// it as before.
/// </summary>
internal sealed class UnknownJsonFieldMiddleware(RequestDelegate next)
{
    private const string UnknownFieldPrefix = "Unknown field: ";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is { HttpRule.Body: "*" } transcoding
            && context.Request.Body.CanSeek
            && await UnknownFieldAsync(context.Request, transcoding.MethodDescriptor.InputType, context.RequestAborted) is { } field)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new
            {
                code = 3,
                message = $"The request body has a field the request does not define: '{field}'.",
                details = new object[]
                {
                    new Dictionary<string, object>
                    {
                        ["@type"] = "type.googleapis.com/google.rpc.BadRequest",
                        ["fieldViolations"] = new[] { new { field, description = "Unknown field." } },
                    },
                },
            }, context.RequestAborted);
            return;
        }
        await next(context);
    }

    private static async Task<string?> UnknownFieldAsync(HttpRequest request, Google.Protobuf.Reflection.MessageDescriptor type, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var json = await reader.ReadToEndAsync(cancellationToken);
        request.Body.Position = 0;
        if (string.IsNullOrWhiteSpace(json) || !WellFormed(json))
        {
            return null;
        }
        try
        {
            JsonParser.Default.Parse(json, type);
            return null;
        }
        catch (InvalidProtocolBufferException e) when (e.Message.StartsWith(UnknownFieldPrefix, StringComparison.Ordinal))
        {
            return e.Message[UnknownFieldPrefix.Length..];
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or InvalidOperationException)
        {
            return null;   // wrong in another way: transcoding answers it as it always has
        }
    }

    /// <summary>Malformed JSON is transcoding's to answer ("not correctly formatted"), whatever fields it names.</summary>
    private static bool WellFormed(string json)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
