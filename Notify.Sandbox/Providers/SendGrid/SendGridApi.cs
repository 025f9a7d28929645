using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Sandbox.Faults;
using Notify.Sandbox.Receipts;

namespace Notify.Sandbox.Providers.SendGrid;

/// <summary>
/// SendGrid v3 Mail Send (<c>POST /v3/mail/send</c>). Each personalization is recorded as one
/// message; its delivery id is <c>custom_args.delivery_id</c> of the personalization, else of the
/// request, else the <c>X-Notify-Delivery-Id</c> header.
/// </summary>
public static class SendGridApi
{
    public const string DeliveryIdArg = "delivery_id";

    public static IEndpointRouteBuilder MapSendGrid(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v3/mail/send", SendAsync);
        return routes;
    }

    private static async Task<IResult> SendAsync(HttpRequest request, ProviderGate gate, SendGridErrors errors, IOptions<SandboxOptions> options)
    {
        const string provider = ProviderNames.SendGrid;
        if (ProviderResults.BearerToken(request) is not { } key || !options.Value.SendGrid.ApiKeys.Contains(key, StringComparer.Ordinal))
        {
            return gate.Reject(provider, 401, "authorization required", SendGridErrors.Unauthorized());
        }
        if (request.ContentLength > options.Value.SendGrid.MaxRequestBytes)
        {
            return gate.Reject(provider, 413, "content too large", SendGridErrors.Body(413, new SendGridError("content too large", null)));
        }
        if (!request.HasJsonContentType())
        {
            return gate.Reject(provider, 415, "unsupported media type", SendGridErrors.Body(415, new SendGridError("Content-Type should be application/json.", null)));
        }

        if (await ProviderResults.ReadJsonAsync(request) is not { } body)
        {
            return gate.Reject(provider, 400, "body is not JSON", SendGridErrors.Body(400, new SendGridError("Bad Request", null)));
        }

        if (gate.InjectFault(errors, request.HttpContext) is { } fault)
        {
            return fault;
        }
        if (gate.InjectFirstArrivalThrottle(errors, FirstDeliveryId(body, request)) is { } throttled)
        {
            return throttled;
        }

        var problems = MailSendValidator.Validate(body);
        var personalizations = problems.Count == 0 ? body.GetProperty("personalizations").EnumerateArray().ToList() : [];
        for (var i = 0; i < personalizations.Count; i++)
        {
            var j = 0;
            foreach (var to in personalizations[i].GetProperty("to").EnumerateArray())
            {
                if (gate.IsInvalidRecipient(provider, to.GetProperty("email").GetString()!))
                {
                    problems.Add(new("Does not contain a valid address.", $"personalizations.{i}.to.{j}.email"));
                }
                j++;
            }
        }
        if (problems.Count > 0)
        {
            return gate.Reject(provider, 400, "validation: " + string.Join(", ", problems.Select(p => p.Field ?? "body")), SendGridErrors.Body(400, [.. problems]));
        }

        var messageId = NewMessageId();
        var requestDeliveryId = CustomArg(body) ?? ProviderResults.DeliveryIdFromHeader(request);
        var requestArgs = CustomArgs(body);
        for (var i = 0; i < personalizations.Count; i++)
        {
            var personalization = personalizations[i];
            var recipient = personalization.GetProperty("to")[0].GetProperty("email").GetString()!;
            // Events repeat the send's custom args; a personalization's override the request's.
            var args = new Dictionary<string, string>(requestArgs, StringComparer.Ordinal);
            foreach (var (name, value) in CustomArgs(personalization))
            {
                args[name] = value;
            }
            gate.Accept(provider, recipient, CustomArg(personalization) ?? requestDeliveryId, messageId,
                new SendGridReceiptContext(args, i),
                traceparent: ProviderResults.Traceparent(request));
        }
        return Results.StatusCode(202).WithHeader("X-Message-Id", messageId);
    }

    /// <summary>The delivery id of the first personalization (Notify sends one per request), before the body is validated.</summary>
    private static string? FirstDeliveryId(JsonElement body, HttpRequest request)
    {
        var first = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("personalizations", out var list)
            && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0 && list[0].ValueKind == JsonValueKind.Object
            ? SafeCustomArg(list[0])
            : null;
        return first ?? (body.ValueKind == JsonValueKind.Object ? SafeCustomArg(body) : null) ?? ProviderResults.DeliveryIdFromHeader(request);
    }

    /// <summary><see cref="CustomArg"/> for a body not validated yet: null instead of a throw on the wrong shape.</summary>
    private static string? SafeCustomArg(JsonElement parent) =>
        parent.TryGetProperty("custom_args", out var args) && args.ValueKind == JsonValueKind.Object
            && args.TryGetProperty(DeliveryIdArg, out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static string? CustomArg(JsonElement parent) =>
        parent.TryGetProperty("custom_args", out var args) && args.TryGetProperty(DeliveryIdArg, out var id) ? id.GetString() : null;

    /// <summary>The string-valued <c>custom_args</c> of a request or personalization (SendGrid accepts only strings there).</summary>
    private static Dictionary<string, string> CustomArgs(JsonElement parent) =>
        parent.TryGetProperty("custom_args", out var args) && args.ValueKind == JsonValueKind.Object
            ? args.EnumerateObject().Where(a => a.Value.ValueKind == JsonValueKind.String).ToDictionary(a => a.Name, a => a.Value.GetString()!, StringComparer.Ordinal)
            : new(StringComparer.Ordinal);

    /// <summary>22 characters of URL-safe base64, the form of SendGrid's ids.</summary>
    private static string NewMessageId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
