namespace Notify.Hosting.Model;

/// <summary>A native Redis server in the app model (Aspire: <c>AddRedis</c>).</summary>
public sealed class RedisResource(string name, string defaultDirectory) : IResourceWithConnectionString
{
    public string Name { get; } = name;
    public string Directory { get; private set; } = defaultDirectory;
    public int Port { get; private set; }

    public RedisResource WithDataDirectory(string path)
    {
        Directory = Path.GetFullPath(path);
        return this;
    }

    public RedisResource WithPort(int port)
    {
        Port = port;
        return this;
    }
}
