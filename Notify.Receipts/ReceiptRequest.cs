using Microsoft.AspNetCore.Http;

namespace Notify.Receipts;

/// <summary>
/// A receipt request as it arrived: the raw body bytes (signatures are over exactly these),
/// the headers, and the public URL the provider called (Twilio signs the URL).
/// </summary>
public sealed class ReceiptRequest(ReadOnlyMemory<byte> body, IHeaderDictionary headers, Uri publicUrl)
{
    public ReadOnlyMemory<byte> Body { get; } = body;

    public IHeaderDictionary Headers { get; } = headers;

    public Uri PublicUrl { get; } = publicUrl;

    public string? Header(string name) => Headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;
}

/// <summary>Why a receipt request was refused; the names are the <c>reason</c> tag of <c>notify.receipts.refused</c>.</summary>
public static class RefusalReasons
{
    public const string MissingSignature = "missing_signature";
    public const string BadSignature = "bad_signature";
    public const string StaleTimestamp = "stale_timestamp";
    public const string FutureTimestamp = "future_timestamp";
    public const string TooLarge = "too_large";
    public const string Malformed = "malformed";
    public const string BadVerifyToken = "bad_verify_token";
}

/// <summary>The result of checking a request: accepted, or refused with a reason.</summary>
public readonly record struct ReceiptVerdict(string? RefusalReason)
{
    public static ReceiptVerdict Accepted => default;

    public bool IsAccepted => RefusalReason is null;

    public static ReceiptVerdict Refused(string reason) => new(reason);
}
