using System.Net.Http;
using Grpc.Net.Client;
using Notify.Grpc.V1;

namespace Notify.Bench.Connections;

/// <summary>
/// A fixed set of GrpcChannels, each with its own handler and so its own HTTP/2 connections.
/// Callers are pinned to a channel by index so load spreads evenly and no caller contends
/// for a channel another caller is saturating.
/// </summary>
internal sealed class ChannelPool : IDisposable
{
    private readonly GrpcChannel[] _channels;

    public ChannelPool(Uri address, int count)
    {
        _channels = new GrpcChannel[count];
        for (var i = 0; i < count; i++)
        {
            var handler = new SocketsHttpHandler
            {
                // Past the server's stream limit (Kestrel: 100 per connection) a channel
                // opens another connection instead of queueing calls client-side.
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = TimeSpan.FromSeconds(60),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            };
            // An http:// address makes Grpc.Net.Client speak HTTP/2 with prior knowledge (h2c).
            _channels[i] = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                MaxReceiveMessageSize = 64 * 1024 * 1024,
            });
        }
    }

    public int Count => _channels.Length;

    public NotifyService.NotifyServiceClient ClientFor(int callerIndex) =>
        new(_channels[callerIndex % _channels.Length]);

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
