namespace Notify.Hosting.Model;

/// <summary>A native PostgreSQL server in the app model (Aspire: <c>AddPostgres</c>).</summary>
public sealed class PostgresServerResource(string name, string defaultDataDirectory) : ILocalResource
{
    private readonly List<PostgresDatabaseResource> _databases = [];

    public string Name { get; } = name;
    public string DataDirectory { get; private set; } = defaultDataDirectory;
    public bool Persistent { get; private set; } = true;
    public bool Durable { get; private set; } = true;
    public int Port { get; private set; }
    public IReadOnlyList<PostgresDatabaseResource> Databases => _databases;

    public PostgresDatabaseResource AddDatabase(string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, this);
        _databases.Add(database);
        return database;
    }

    public PostgresServerResource WithDataDirectory(string path)
    {
        DataDirectory = Path.GetFullPath(path);
        return this;
    }

    /// <summary>False deletes the data directory when the app stops (Aspire: session lifetime).</summary>
    public PostgresServerResource WithPersistence(bool persistent)
    {
        Persistent = persistent;
        return this;
    }

    /// <summary>False trades crash safety for speed (fsync off); for tests only.</summary>
    public PostgresServerResource WithDurability(bool durable)
    {
        Durable = durable;
        return this;
    }

    public PostgresServerResource WithPort(int port)
    {
        Port = port;
        return this;
    }
}

/// <summary>A database created on a <see cref="PostgresServerResource"/> (Aspire: <c>AddDatabase</c>).</summary>
public sealed record PostgresDatabaseResource(string Name, string DatabaseName, PostgresServerResource Server)
    : IResourceWithConnectionString;
