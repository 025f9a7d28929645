using System.Net;
using System.Net.Sockets;

namespace Notify.Hosting.Processes;

/// <summary>Allocates loopback ports the way Aspire's orchestrator does: bind port 0, read it back, release.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
