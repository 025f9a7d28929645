using System.Collections.Concurrent;
using Fluid;
using Google.Protobuf.WellKnownTypes;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;
using Notify.Templates;
using Npgsql;

namespace Notify.Delivery.Content;

/// <summary>
/// Inline content as stored, or the template rendered for the delivery's channel from the
/// exact row pinned at ingest (template id, channel, resolved locale, version). Template
/// versions never change once written, so compiled templates are cached by that key.
/// What each channel takes from a template: email subject, text body and HTML body; push
/// subject as title and body; SMS and WhatsApp the body as text; webhook the body rendered
/// as JSON (values JSON-escaped) as the payload, with the template id as the event type.
/// </summary>
public sealed class TemplateContentResolver(NpgsqlDataSource dataSource) : IContentResolver
{
    private const int MaxCached = 10_000;

    private readonly InlineContentResolver _inline = new();
    private readonly ConcurrentDictionary<TemplateKey, CompiledTemplate> _compiled = new();

    public async ValueTask<ResolvedContent> ResolveAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.TemplateId is not { } templateId || delivery.Content is { Length: > 0 })
        {
            return await _inline.ResolveAsync(delivery, cancellationToken);
        }
        if (delivery.TemplateVersion is not { } version || delivery.TemplateLocale is not { } locale)
        {
            return ResolvedContent.Failed("TEMPLATE_NOT_PINNED", "The delivery has no pinned template version.");
        }

        var key = new TemplateKey(delivery.TenantId, templateId, delivery.Channel, locale, version);
        if (!_compiled.TryGetValue(key, out var compiled))
        {
            var loaded = await LoadAsync(key, cancellationToken);
            if (loaded is null)
            {
                return ResolvedContent.Failed("TEMPLATE_NOT_FOUND",
                    $"Template '{templateId}' version {version} for {delivery.Channel} in '{locale}' no longer exists.");
            }
            if (loaded.Error is { } error)
            {
                return ResolvedContent.Failed("TEMPLATE_INVALID", error);
            }
            if (_compiled.Count >= MaxCached)
            {
                _compiled.Clear();
            }
            compiled = _compiled.GetOrAdd(key, loaded);
        }

        try
        {
            var data = delivery.Params is { Length: > 0 } bytes ? Struct.Parser.ParseFrom(bytes) : null;
            return new ResolvedContent(compiled.Render(delivery.Channel, templateId, data));
        }
        catch (IOException)
        {
            // Protobuf's parse errors (the stored data, a webhook body that is not a JSON
            // object). Not the parser's message: it may quote the rendered text, i.e. the data.
            return ResolvedContent.Failed("TEMPLATE_RENDER_FAILED",
                delivery.Channel == Outbox.ChannelNames.Webhook
                    ? "The webhook template did not render to a JSON object."
                    : "The template data could not be read.");
        }
        catch (InvalidOperationException ex)
        {
            // A render limit (steps, output length): the message names the limit, never the data.
            return ResolvedContent.Failed("TEMPLATE_RENDER_FAILED", ex.Message);
        }
    }

    private async Task<CompiledTemplate?> LoadAsync(TemplateKey key, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT subject, body, html_body FROM notify.templates
            WHERE tenant_id = $1 AND template_id = $2 AND channel = $3 AND locale = $4 AND version = $5
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new() { Value = key.TenantId });
        command.Parameters.Add(new() { Value = key.TemplateId });
        command.Parameters.Add(new() { Value = key.Channel });
        command.Parameters.Add(new() { Value = key.Locale });
        command.Parameters.Add(new() { Value = key.Version });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return CompiledTemplate.From(reader.GetString(0), reader.GetString(1), reader.GetString(2));
    }

    private readonly record struct TemplateKey(Guid TenantId, string TemplateId, string Channel, string Locale, int Version);

    /// <summary>A template version's parts, parsed once.</summary>
    private sealed record CompiledTemplate(IFluidTemplate? Subject, IFluidTemplate? Body, IFluidTemplate? HtmlBody, string? Error)
    {
        public static CompiledTemplate From(string subject, string body, string htmlBody)
        {
            string? error = null;
            return new CompiledTemplate(Parse(subject, ref error), Parse(body, ref error), Parse(htmlBody, ref error), error);
        }

        private static IFluidTemplate? Parse(string source, ref string? error)
        {
            if (source.Length == 0)
            {
                return null;
            }
            var compilation = TemplateCompiler.Compile(source);
            if (!compilation.Succeeded)
            {
                error ??= compilation.Error.ToString();
                return null;
            }
            return compilation.Template;
        }

        public Notify.Grpc.V1.Content Render(string channel, string templateId, Struct? data)
        {
            string Text(IFluidTemplate? part, TemplateEncoding encoding = TemplateEncoding.Text)
                => part is null ? "" : TemplateCompiler.Render(part, data, encoding);

            var content = new Notify.Grpc.V1.Content();
            switch (channel)
            {
                case Outbox.ChannelNames.Email:
                    content.Email = new EmailContent { Subject = Text(Subject), TextBody = Text(Body), HtmlBody = Text(HtmlBody, TemplateEncoding.Html) };
                    break;
                case Outbox.ChannelNames.Sms:
                    content.Sms = new SmsContent { Body = Text(Body) };
                    break;
                case Outbox.ChannelNames.WhatsApp:
                    content.Whatsapp = new WhatsAppContent { Text = Text(Body) };
                    break;
                case Outbox.ChannelNames.Push:
                    content.Push = new PushContent { Title = Text(Subject), Body = Text(Body) };
                    break;
                case Outbox.ChannelNames.Webhook:
                    content.Webhook = new WebhookContent
                    {
                        EventType = templateId,
                        Payload = Struct.Parser.ParseJson(Text(Body, TemplateEncoding.Json)),
                    };
                    break;
            }
            return content;
        }
    }
}
