using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Notify.Sandbox.Providers.Smtp;

/// <summary>
/// The sandbox's SMTP server: a TCP listener on <c>Sandbox:Smtp:Port</c> (the AppHost's
/// <c>smtp</c> endpoint) beside the HTTP providers, one <see cref="SmtpSession"/> per
/// connection. It binds in <see cref="StartAsync"/>, so the sandbox is not reported started
/// (nor healthy) before mail can be submitted. No port configured, no listener.
/// </summary>
public sealed class SmtpListener(
    IOptions<SandboxOptions> options,
    ProviderGate gate,
    TimeProvider time,
    ILogger<SmtpListener> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private long _nextSession;

    /// <summary>Where the listener is bound (the actual port when 0 was configured); null when SMTP is off.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndpoint as IPEndPoint;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        if (smtp.Port is not { } port)
        {
            return Task.CompletedTask;
        }
        _listener = new TcpListener(IPAddress.Parse(smtp.Address), port);
        _listener.Start();
        SandboxLog.SmtpListening(logger, LocalEndPoint!.ToString());
        _accepting = AcceptAsync(new SmtpCredentials(smtp.Users), _stopping.Token);
        return Task.CompletedTask;
    }

    private async Task AcceptAsync(SmtpCredentials credentials, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptSocketAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors, say: keep listening rather than stop serving SMTP.
                SandboxLog.SmtpAcceptFailed(logger, e.SocketErrorCode.ToString());
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                continue;
            }
            var id = Interlocked.Increment(ref _nextSession);
            _sessions[id] = Task.Run(() => ServeAsync(id, socket, credentials, stopping), CancellationToken.None);
        }
    }

    private async Task ServeAsync(long id, Socket socket, SmtpCredentials credentials, CancellationToken stopping)
    {
        try
        {
            socket.NoDelay = true;
            await using var connection = new SmtpConnection(new NetworkStream(socket, ownsSocket: true));
            var session = new SmtpSession(connection, options.Value.Smtp, credentials, gate, time, logger);
            await session.RunAsync(stopping);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away mid-dialogue, or the sandbox is stopping: nothing to answer.
        }
        catch (Exception e)
        {
            SandboxLog.SmtpSessionFailed(logger, e.GetType().Name);
        }
        finally
        {
            _sessions.TryRemove(id, out _);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is null)
        {
            return;
        }
        try
        {
            await _stopping.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: a host run through WebApplicationFactory can be disposed by its
            // entry point while the factory is still stopping it. Dispose stopped everything.
        }
        _listener.Stop();
        await Task.WhenAll([_accepting, .. _sessions.Values]).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        try
        {
            _stopping.Cancel();   // sessions and the accept loop end even if StopAsync never ran
        }
        catch (ObjectDisposedException)
        {
        }
        _listener?.Dispose();
        _stopping.Dispose();
    }
}
