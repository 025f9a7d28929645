using System.Text;
using System.Text.Json;
using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.Fcm;

/// <summary>
/// FCM HTTP v1 (<c>POST /v1/projects/{project}/messages:send</c>) and a stand-in for Google's OAuth
/// token endpoint (<c>POST /token</c>, JWT-bearer grant; the assertion is checked by <see cref="FcmAssertions"/>).
/// The delivery id is <c>message.data.delivery_id</c>, else the <c>X-Notify-Delivery-Id</c> header.
/// </summary>
public static class FcmApi
{
    private const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    public static IEndpointRouteBuilder MapFcm(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/token", IssueTokenAsync);
        routes.MapPost("/v1/projects/{project}/messages:send", SendAsync);
        return routes;
    }

    private static async Task<IResult> IssueTokenAsync(HttpRequest request, FcmTokens tokens, FcmAssertions assertions)
    {
        var form = request.HasFormContentType ? await request.ReadFormAsync() : FormCollection.Empty;
        if (form["grant_type"] != JwtBearerGrant)
        {
            return Results.Json(new { error = "unsupported_grant_type", error_description = "Invalid grant_type: " + form["grant_type"] }, statusCode: 400);
        }
        if (assertions.Check(form["assertion"].ToString()) is { } refused)
        {
            return Results.Json(new { error = refused.Error, error_description = refused.Description }, statusCode: 400);
        }
        return Results.Json(new { access_token = tokens.Issue(), expires_in = tokens.LifetimeSeconds, token_type = "Bearer" });
    }

    private static async Task<IResult> SendAsync(string project, HttpRequest request, ProviderGate gate, FcmErrors errors, FcmTokens tokens)
    {
        const string provider = ProviderNames.Fcm;
        if (ProviderResults.BearerToken(request) is not { } token || !tokens.IsValid(token))
        {
            return gate.Reject(provider, 401, "UNAUTHENTICATED", FcmErrors.Unauthenticated());
        }
        if (await ProviderResults.ReadJsonAsync(request) is not { } body)
        {
            return gate.Reject(provider, 400, "INVALID_ARGUMENT", FcmErrors.InvalidArgument("Invalid JSON payload received."));
        }
        if (gate.InjectFault(errors, request.HttpContext) is { } fault)
        {
            return fault;
        }

        if (Validate(body) is { } problem)
        {
            return gate.Reject(provider, 400, "INVALID_ARGUMENT", FcmErrors.InvalidArgument(problem));
        }
        var message = body.GetProperty("message");
        var target = new[] { "token", "topic", "condition" }.Select(t => message.TryGetProperty(t, out var v) ? v.GetString() : null).First(v => v is not null)!;
        if (gate.IsInvalidRecipient(provider, target))
        {
            return gate.Reject(provider, 404, "UNREGISTERED", FcmErrors.Unregistered());
        }
        if (body.TryGetProperty("validate_only", out var validateOnly) && validateOnly.ValueKind == JsonValueKind.True)
        {
            return Results.Json(new { name = $"projects/{project}/messages/fake_message_id" });
        }

        var name = $"projects/{project}/messages/0:{Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999)}%{Random.Shared.Next():x8}{Random.Shared.Next():x8}";
        var deliveryId = message.TryGetProperty("data", out var data) && data.TryGetProperty("delivery_id", out var id) ? id.GetString() : null;
        gate.Accept(provider, target, deliveryId ?? ProviderResults.DeliveryIdFromHeader(request), name,
            traceparent: ProviderResults.Traceparent(request));
        return Results.Json(new { name });
    }

    private static string? Validate(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
        {
            return "Request contains an invalid argument: message is required.";
        }
        var targets = new[] { "token", "topic", "condition" }
            .Count(t => message.TryGetProperty(t, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0);
        if (targets != 1)
        {
            return "Request contains an invalid argument: exactly one of message.token, message.topic or message.condition is required.";
        }
        if (message.TryGetProperty("data", out var data)
            && (data.ValueKind != JsonValueKind.Object || data.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String)))
        {
            return "Invalid value at 'message.data': every value must be a string.";
        }
        return Encoding.UTF8.GetByteCount(message.GetRawText()) > 4096 ? "Request contains an invalid argument: message is too big." : null;
    }
}
