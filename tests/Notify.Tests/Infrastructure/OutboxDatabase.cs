using Microsoft.Extensions.Logging.Abstractions;
using Notify.Outbox;
using Notify.Outbox.Writing;
using Npgsql;

namespace Notify.Tests.Infrastructure;

/// <summary>A database of its own with the real outbox writer, for engine tests that need rows to deliver.</summary>
public sealed class OutboxDatabase : IAsyncDisposable
{
    private readonly OutboxWriter _writer;

    private OutboxDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        var dataSource = DataSource;
        _writer = new OutboxWriter(dataSource, Microsoft.Extensions.Options.Options.Create(new OutboxWriterOptions()), NullLogger<OutboxWriter>.Instance);
    }

    // Inline content for every channel, as the ingress stores it (protobuf bytes).
    private static readonly byte[] AnyContent = Google.Protobuf.MessageExtensions.ToByteArray(new Notify.Grpc.V1.Content
    {
        Email = new() { Subject = "Hello", TextBody = "Hello there" },
        Sms = new() { Body = "Hello there" },
        Whatsapp = new() { Text = "Hello there" },
        Webhook = new() { EventType = "test.event", Payload = new() },
        Push = new() { Title = "Hello", Body = "Hello there" },
    });

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The database's connection string, password included (for a second data source, e.g. through a <see cref="TcpProxy"/>).</summary>
    public string ConnectionString { get; }

    public Guid TenantId { get; } = Guid.NewGuid();

    public static async Task<OutboxDatabase> CreateAsync(InfrastructureFixture infrastructure)
        => new(await infrastructure.CreateDatabaseAsync());

    /// <summary>
    /// Writes one notification with one delivery, as the ingress would, and returns the
    /// delivery's id. Inline content for every channel unless <paramref name="content"/> is given.
    /// </summary>
    /// <summary>A delivery of <paramref name="channel"/> put into <paramref name="status"/>, due at now + <paramref name="due"/> (SENDING: leased to <c>worker-x</c> for a minute).</summary>
    public async Task<Guid> SeedInStatusAsync(string channel, string status, TimeSpan due)
    {
        var id = await SeedAsync(channel);
        await using var command = DataSource.CreateCommand("""
            UPDATE notify.deliveries
            SET status = @status, next_attempt_at = now() + @due,
                lock_expires_at = CASE WHEN @status = 'SENDING' THEN now() + interval '1 minute' END,
                locked_by = CASE WHEN @status = 'SENDING' THEN 'worker-x' END
            WHERE id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("due", due);
        await command.ExecuteNonQueryAsync();
        return id;
    }

    public async Task<Guid> SeedAsync(string channel, string recipient = "someone@example.com", short priority = 0,
        DateTime? sendAt = null, DateTime? expiresAt = null, int maxAttempts = 4, Notify.Grpc.V1.Content? content = null)
    {
        var notificationId = UuidV7.NewNotificationId();
        var delivery = new NewDelivery(UuidV7.DeliveryId(notificationId, 0), channel, recipient, null, null, maxAttempts);
        var outcome = (await _writer.WriteAsync([new NewNotification(notificationId, TenantId, Guid.NewGuid().ToString(), [1, 2, 3],
            null, null, null, content is null ? AnyContent : Google.Protobuf.MessageExtensions.ToByteArray(content), priority, sendAt, expiresAt, null, null, null, null, [delivery])], default))[0];
        Assert.IsType<Accepted>(outcome);
        return delivery.Id;
    }

    public async Task<T> ScalarAsync<T>(string sql, Guid id)
    {
        await using var command = DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", id);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql, Guid id)
    {
        await using var command = DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", id);
        await command.ExecuteNonQueryAsync();
    }

    public Task<string> StatusAsync(Guid id) => ScalarAsync<string>("SELECT status FROM notify.deliveries WHERE id = @id", id);

    /// <summary>
    /// Makes the database refuse, for good, any write that marks an e-mail delivery to
    /// <c>poison@example.com</c> SENT (a trigger raising an error): a completion that cannot be written.
    /// </summary>
    public async Task RefuseSentForPoisonAsync()
    {
        await using var trigger = DataSource.CreateCommand("""
            CREATE FUNCTION notify.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'poisoned completion' USING ERRCODE = 'P0001';
            END $$;
            CREATE TRIGGER refuse_poison BEFORE UPDATE ON notify.deliveries_email FOR EACH ROW
                WHEN (NEW.recipient = 'poison@example.com' AND NEW.status = 'SENT') EXECUTE FUNCTION notify.refuse_poison();
            """);
        await trigger.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}
