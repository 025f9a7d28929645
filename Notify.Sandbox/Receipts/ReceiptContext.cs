namespace Notify.Sandbox.Receipts;

/// <summary>
/// What a provider's receipts carry back from the send request, beyond the recorded message
/// (recipient, delivery id, provider message id). One case per provider that sends receipts.
/// </summary>
public abstract record ReceiptContext;

/// <summary>
/// A SendGrid personalization: its <c>custom_args</c> (the request's, overridden by the
/// personalization's), which every event repeats as top-level keys, and its position in the
/// request, which makes its <c>sg_message_id</c> distinct from its siblings'.
/// </summary>
public sealed record SendGridReceiptContext(IReadOnlyDictionary<string, string> CustomArgs, int Personalization) : ReceiptContext;

/// <summary>
/// A Twilio message: the account whose auth token signs the callbacks, the sender as the request
/// named it, and the <c>StatusCallback</c> exactly as given (Twilio signs the URL it was given).
/// </summary>
public sealed record TwilioReceiptContext(string AccountSid, string? From, string? MessagingServiceSid, string StatusCallback) : ReceiptContext;

/// <summary>
/// A WhatsApp Cloud API message: the sending number's id (the webhook's
/// <c>metadata.phone_number_id</c>) and the <c>biz_opaque_callback_data</c> to echo, if the send had one.
/// </summary>
public sealed record WhatsAppReceiptContext(string PhoneNumberId, string? CallbackData) : ReceiptContext;
