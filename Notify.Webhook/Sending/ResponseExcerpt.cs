using System.Buffers;
using System.Text;

namespace Notify.Webhook.Sending;

/// <summary>
/// The start of an endpoint's answer, kept with the attempt for whoever debugs the endpoint.
/// Only the first bytes are read (an endpoint can answer with gigabytes), cut at a character
/// boundary, with invalid UTF-8 and NUL (which PostgreSQL text refuses) replaced by U+FFFD.
/// </summary>
public static class ResponseExcerpt
{
    /// <remarks>
    /// Never fails: the status line already decided the outcome, and an endpoint that answered
    /// 200 and then stalled or reset while sending its body did accept the message — turning
    /// that into a timeout would send it again. Whatever arrived is kept.
    /// </remarks>
    public static async Task<string?> ReadAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        if (maxBytes <= 0)
        {
            return null;
        }
        var buffer = new byte[maxBytes];
        var read = 0;
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            while (read < maxBytes)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
        }
        return read == 0 ? null : Decode(buffer.AsSpan(0, read));
    }

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        // A character cut in half by the byte limit is dropped rather than shown as U+FFFD.
        if (Rune.DecodeLastFromUtf8(bytes, out _, out var consumed) == OperationStatus.NeedMoreData)
        {
            bytes = bytes[..^consumed];
        }
        return Encoding.UTF8.GetString(bytes).Replace('\0', '\uFFFD');
    }
}
