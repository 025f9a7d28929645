using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Sandbox.Faults;
using Notify.Sandbox.Receipts;

namespace Notify.Sandbox.Providers.WhatsApp;

/// <summary>
/// WhatsApp Cloud API send (<c>POST /{version}/{phone-number-id}/messages</c>). The delivery id is
/// <c>biz_opaque_callback_data</c> (Meta echoes it in status webhooks), else the
/// <c>X-Notify-Delivery-Id</c> header. Templates are checked against the configured registry
/// (132001, 132000); magic recipients fail with their configured Graph error code.
/// </summary>
public static class WhatsAppApi
{
    private const int MaxTextLength = 4096;

    public static IEndpointRouteBuilder MapWhatsApp(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/{version:regex(^v[0-9]+\\.[0-9]+$)}/{phoneNumberId}/messages", SendAsync);
        return routes;
    }

    private static async Task<IResult> SendAsync(string phoneNumberId, HttpRequest request, ProviderGate gate, WhatsAppErrors errors, IOptions<SandboxOptions> options)
    {
        const string provider = ProviderNames.WhatsApp;
        if (ProviderResults.BearerToken(request) is not { } token || !options.Value.WhatsApp.AccessTokens.Contains(token, StringComparer.Ordinal))
        {
            return gate.Reject(provider, 401, "code 190", WhatsAppErrors.Unauthorized());
        }

        if (await ProviderResults.ReadJsonAsync(request) is not { } body)
        {
            return gate.Reject(provider, 400, "code 100", WhatsAppErrors.InvalidParameter("The request body is not valid JSON."));
        }
        if (gate.InjectFault(errors, request.HttpContext) is { } fault)
        {
            return fault;
        }
        if (gate.InjectFirstArrivalThrottle(errors, String(body, "biz_opaque_callback_data") ?? ProviderResults.DeliveryIdFromHeader(request)) is { } throttled)
        {
            return throttled;
        }

        if (Validate(body) is { } problem)
        {
            return gate.Reject(provider, 400, "code 100", WhatsAppErrors.InvalidParameter(problem));
        }
        var whatsApp = options.Value.WhatsApp;
        if (String(body, "type") == "template" && TemplateRegistry.Check(body.GetProperty("template"), whatsApp.Templates) is { } templateError)
        {
            return RejectWith(gate, templateError);
        }
        var to = body.GetProperty("to").GetString()!;
        if (gate.IsInvalidRecipient(provider, to))
        {
            return RejectWith(gate, 131026);
        }
        if (whatsApp.RecipientErrors.TryGetValue(to.TrimStart('+'), out var magicError))
        {
            return RejectWith(gate, magicError);
        }

        var id = "wamid." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
        var callbackData = String(body, "biz_opaque_callback_data");
        gate.Accept(provider, to, callbackData ?? ProviderResults.DeliveryIdFromHeader(request), id,
            new WhatsAppReceiptContext(phoneNumberId, callbackData), ProviderResults.Traceparent(request));

        var waId = new string([.. to.Where(char.IsDigit)]);
        object message = String(body, "type") == "template" ? new { id, message_status = "accepted" } : new { id };
        return Results.Json(new
        {
            messaging_product = "whatsapp",
            contacts = new[] { new { input = to, wa_id = waId } },
            messages = new[] { message },
        });
    }

    private static IResult RejectWith(ProviderGate gate, int code)
        => gate.Reject(ProviderNames.WhatsApp, WhatsAppErrors.StatusOf(code), $"code {code}", WhatsAppErrors.ForCode(code));

    private static string? Validate(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return "The request body must be a JSON object.";
        }
        if (String(body, "messaging_product") != "whatsapp")
        {
            return "The parameter messaging_product is required and must be 'whatsapp'.";
        }
        if (String(body, "to") is not { Length: > 0 } to || !to.TrimStart('+').All(char.IsDigit) || to.TrimStart('+').Length is < 5 or > 15)
        {
            return "The parameter to is required and must be a phone number.";
        }
        switch (String(body, "type") ?? "text")
        {
            case "text":
                if (!body.TryGetProperty("text", out var text) || String(text, "body") is not { Length: > 0 } content)
                {
                    return "The parameter text['body'] is required.";
                }
                return content.Length > MaxTextLength ? $"Param text['body'] must be at most {MaxTextLength} characters long." : null;
            case "template":
                if (!body.TryGetProperty("template", out var template) || String(template, "name") is not { Length: > 0 })
                {
                    return "The parameter template['name'] is required.";
                }
                return template.TryGetProperty("language", out var language) && String(language, "code") is { Length: > 0 }
                    ? null
                    : "The parameter template['language']['code'] is required.";
            default:
                return "Param type must be one of {TEXT, TEMPLATE} in this sandbox.";
        }
    }

    private static string? String(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
