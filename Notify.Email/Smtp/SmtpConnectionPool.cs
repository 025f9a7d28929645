using System.Collections.Concurrent;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;

namespace Notify.Email.Smtp;

/// <summary>
/// A few connected, authenticated <see cref="SmtpClient"/>s reused across sends: a fresh
/// connection costs a TCP (and TLS) handshake, EHLO and AUTH before the first MAIL FROM. An
/// <see cref="SmtpClient"/> is not thread-safe, so each is lent to one send at a time, and
/// <see cref="SmtpOptions.PoolSize"/> bounds the sends in flight. A connection idle past
/// <see cref="SmtpOptions.IdleTimeout"/> is closed rather than reused; one idle a few seconds
/// is checked with NOOP first, so a connection the server dropped is replaced before a message
/// is trusted to it (retrying a message after a failed send could deliver it twice).
/// </summary>
public sealed partial class SmtpConnectionPool(
    IOptions<SmtpOptions> options,
    SmtpServerLocator locator,
    TimeProvider time,
    ILogger<SmtpConnectionPool> logger) : IAsyncDisposable
{
    private static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(2);

    private readonly SmtpOptions _options = options.Value;
    private readonly SemaphoreSlim _slots = new(options.Value.PoolSize, options.Value.PoolSize);
    private readonly ConcurrentStack<(SmtpClient Client, DateTimeOffset IdleSince)> _idle = new();
    private volatile bool _disposed;

    /// <summary>
    /// A connection ready for MAIL FROM: the most recently used idle one, or a new one. Waits
    /// while every connection is lent out. Connection and authentication failures propagate.
    /// </summary>
    public async Task<SmtpClient> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken);
        try
        {
            while (_idle.TryPop(out var idle))
            {
                var idleFor = time.GetUtcNow() - idle.IdleSince;
                if (idle.Client.IsConnected && idleFor < _options.IdleTimeout && (idleFor < ProbeAfter || await AnswersNoOpAsync(idle.Client, cancellationToken)))
                {
                    return idle.Client;
                }
                idle.Client.Dispose();
            }
            return await OpenAsync(cancellationToken);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Gives a connection back: kept for the next send if it is still in a clean state, else closed.</summary>
    public void Return(SmtpClient client, bool reusable)
    {
        if (reusable && client.IsConnected && !_disposed)
        {
            _idle.Push((client, time.GetUtcNow()));
        }
        else
        {
            client.Dispose();
        }
        _slots.Release();
    }

    private async Task<SmtpClient> OpenAsync(CancellationToken cancellationToken)
    {
        var (host, port) = await locator.LocateAsync(cancellationToken);
        var client = new SmtpClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(host, port, _options.TlsMode, cancellationToken);
            if (_options is { Username: { Length: > 0 } user, Password: { } password })
            {
                await client.AuthenticateAsync(user, password, cancellationToken);
            }
            LogOpened(logger, host, port);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task<bool> AnswersNoOpAsync(SmtpClient client, CancellationToken cancellationToken)
    {
        try
        {
            await client.NoOpAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryPop(out var idle))
        {
            using var client = idle.Client;
            try
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(quit: true, quit.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Closing anyway; a server that does not answer QUIT loses nothing.
            }
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Opened an SMTP connection to {Host}:{Port}")]
    private static partial void LogOpened(ILogger logger, string host, int port);
}
