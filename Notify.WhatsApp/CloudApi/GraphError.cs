namespace Notify.WhatsApp.CloudApi;

/// <summary>
/// Meta's Graph API error object (<c>{"error":{...}}</c>). Meta says to key logic on
/// <see cref="Code"/> (and <see cref="Details"/>), never on the message text.
/// </summary>
/// <param name="Code"><c>error.code</c>, e.g. 131026, 130429, 190.</param>
/// <param name="Subcode"><c>error.error_subcode</c>, on some errors only (e.g. 463 for an expired token).</param>
/// <param name="Message"><c>error.message</c>, e.g. <c>(#131026) Message undeliverable</c>.</param>
/// <param name="Type"><c>error.type</c>; <c>OAuthException</c> on nearly every error, so it says little.</param>
/// <param name="Details"><c>error.error_data.details</c>.</param>
/// <param name="FbTraceId"><c>error.fbtrace_id</c>: what Meta support asks for.</param>
public sealed record GraphError(int Code, int? Subcode, string? Message, string? Type, string? Details, string? FbTraceId);

/// <summary>The answer to one send, as the Cloud API gave it.</summary>
/// <param name="MessageId"><c>messages[0].id</c>, the <c>wamid.…</c> that status webhooks refer to.</param>
/// <param name="MessageStatus"><c>messages[0].message_status</c> on template sends (<c>accepted</c>, <c>held_for_quality_assessment</c>).</param>
public sealed record WhatsAppSendResult(int HttpStatus, string? MessageId, string? MessageStatus, GraphError? Error, TimeSpan? RetryAfter);
