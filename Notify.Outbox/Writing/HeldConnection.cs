using System.Data;
using Npgsql;

namespace Notify.Outbox.Writing;

/// <summary>
/// A connection kept by one loop of the outbox writer (a group writer, the wake-up loop),
/// opened when first needed and opened again after it broke (the database restarted, the
/// network failed): a refused statement leaves it usable, because each group is its own
/// implicit transaction and ends with the batch.
/// </summary>
internal sealed class HeldConnection(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    private NpgsqlConnection? _connection;

    public async ValueTask<NpgsqlConnection> OpenAsync()
    {
        if (_connection is { FullState: ConnectionState.Open })
        {
            return _connection;
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
        _connection = await dataSource.OpenConnectionAsync();
        return _connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
