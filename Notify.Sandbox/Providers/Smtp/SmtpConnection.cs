using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Notify.Sandbox.Providers.Smtp;

/// <summary>One line read from the client: its bytes without the line ending, or a line that was too long.</summary>
public readonly record struct SmtpLine(byte[] Bytes, bool TooLong)
{
    public string Text => Encoding.UTF8.GetString(Bytes);
}

/// <summary>What the DATA section held once dot-unstuffed, or that it was over the size limit.</summary>
public sealed record SmtpData(byte[] Message, bool TooLarge);

/// <summary>
/// The byte level of one SMTP connection: command lines ending in CRLF (a bare LF is tolerated,
/// as most servers do), the DATA section up to the lone dot with the leading dot of every
/// other line removed (RFC 5321 §4.5.2), and replies.
/// </summary>
public sealed class SmtpConnection(Stream stream) : IAsyncDisposable
{
    /// <summary>RFC 5321 §4.5.3.1.6 allows 1000 octets per text line; commands are shorter, AUTH answers a little longer.</summary>
    public const int MaxLineBytes = 4096;

    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    private readonly PipeReader _reader = PipeReader.Create(stream);

    /// <summary>The next line, or null when the client closed the connection.</summary>
    public async Task<SmtpLine?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var tooLong = false;
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } lf)
            {
                var line = tooLong ? [] : buffer.Slice(0, lf).ToArray();
                _reader.AdvanceTo(buffer.GetPosition(1, lf));
                if (line.Length > 0 && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }
                return new SmtpLine(line, tooLong || line.Length > MaxLineBytes);
            }
            if (result.IsCompleted)
            {
                _reader.AdvanceTo(buffer.End);
                return null;
            }
            if (buffer.Length > MaxLineBytes)
            {
                // Drop what we have and keep reading to the end of the line: one reply for it.
                tooLong = true;
                _reader.AdvanceTo(buffer.End);
                continue;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads the message after <c>354</c> up to the line holding only a dot; null when the client went away.</summary>
    public async Task<SmtpData?> ReadDataAsync(long maxBytes, CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        var tooLarge = false;
        while (true)
        {
            if (await ReadLineAsync(cancellationToken) is not { } line)
            {
                return null;
            }
            var bytes = line.Bytes;
            if (bytes is [(byte)'.'] && !line.TooLong)
            {
                return new SmtpData(message.ToArray(), tooLarge || line.TooLong);
            }
            // Transparency: the client doubled every leading dot so no text line ends the data early.
            var content = bytes is [(byte)'.', ..] ? bytes.AsSpan(1) : bytes.AsSpan();
            tooLarge |= line.TooLong;
            if (!tooLarge && message.Length + content.Length + 2 > maxBytes)
            {
                tooLarge = true;
            }
            if (!tooLarge)
            {
                message.Write(content);
                message.Write(Crlf);
            }
        }
    }

    public async Task WriteAsync(string reply, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await stream.DisposeAsync();
    }
}
