namespace Notify.Hosting.Servers;

/// <summary>PostgreSQL or Redis is not installed where we look for it.</summary>
public sealed class MissingServerBinaryException(string binary, string lookedIn)
    : Exception($"'{binary}' was not found ({lookedIn}). Install PostgreSQL and Redis with scripts/install-deps.sh " +
                "(apt-get install postgresql redis-server) and try again.")
{
    public string Binary { get; } = binary;
}
