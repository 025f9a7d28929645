namespace Notify.Hosting.Processes;

/// <summary>
/// Follows a server's log file (PostgreSQL and Redis write to files, not to our pipes,
/// because they outlive the process that started them) and feeds new lines to a buffer.
/// </summary>
internal sealed class LogFileTailer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LogFileTailer(string path, LogBuffer buffer)
    {
        var startAt = File.Exists(path) ? new FileInfo(path).Length : 0;
        _loop = Task.Run(() => FollowAsync(path, startAt, buffer, _stop.Token));
    }

    private static async Task FollowAsync(string path, long position, LogBuffer buffer, CancellationToken ct)
    {
        var pending = "";
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (File.Exists(path))
                {
                    await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                    if (stream.Length < position)
                    {
                        position = 0; // truncated or replaced
                    }
                    stream.Seek(position, SeekOrigin.Begin);
                    using var reader = new StreamReader(stream);
                    var chunk = await reader.ReadToEndAsync(ct);
                    position = stream.Position;
                    pending += chunk;
                    int newline;
                    while ((newline = pending.IndexOf('\n')) >= 0)
                    {
                        buffer.Add(pending[..newline].TrimEnd('\r'), isError: false);
                        pending = pending[(newline + 1)..];
                    }
                }
                await Task.Delay(200, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (IOException)
            {
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Delay(250); // let the last lines of a stopping server arrive
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
