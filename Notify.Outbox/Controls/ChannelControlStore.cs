using Npgsql;

namespace Notify.Outbox.Controls;

/// <summary>
/// Pauses and resumes a channel, or one provider of a channel, for every replica: the state is
/// a row of <c>notify.channel_controls</c>, each change is also a row of the append-only
/// <c>notify.channel_control_events</c>, and the change NOTIFYs <see cref="WakeUpChannel"/> so the
/// channel's workers reread it at once (they also reread it every ≤ 2 s, which is the guarantee).
/// The admin API and <c>notifyctl channel pause|resume</c> call this.
/// </summary>
public sealed class ChannelControlStore(NpgsqlDataSource dataSource)
{
    /// <summary>The LISTEN/NOTIFY channel a change is announced on; the payload is the channel's name.</summary>
    public const string WakeUpChannel = "notify_controls";

    /// <summary>The longest reason a change may record.</summary>
    public const int MaxReasonLength = ControlArguments.MaxReasonLength;

    /// <summary>
    /// Pauses <paramref name="channel"/> (or only <paramref name="provider"/> of it). Pausing what is
    /// already paused keeps the pause's start and takes the new reason and actor.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown channel or provider, or a missing or malformed reason or actor; nothing is written.</exception>
    public Task<ChannelControl> PauseAsync(string channel, string? provider, string reason, string actor, CancellationToken cancellationToken)
        => ChangeAsync(channel, provider, paused: true, reason, actor, cancellationToken);

    /// <summary>Resumes <paramref name="channel"/> (or only <paramref name="provider"/> of it); the row stays, with who resumed it and why.</summary>
    /// <exception cref="ArgumentException">As for <see cref="PauseAsync"/>; nothing is written.</exception>
    public Task<ChannelControl> ResumeAsync(string channel, string? provider, string reason, string actor, CancellationToken cancellationToken)
        => ChangeAsync(channel, provider, paused: false, reason, actor, cancellationToken);

    /// <summary>
    /// The controls of <paramref name="channel"/> that have ever been set (the whole channel's has
    /// an empty provider); a control never set is not paused. One primary-key prefix scan: the
    /// workers run it every ≤ 2 s.
    /// </summary>
    public async Task<IReadOnlyList<ChannelControl>> GetAsync(string channel, CancellationToken cancellationToken)
    {
        ControlArguments.Channel(channel);
        const string Sql = """
            SELECT channel, provider, paused, paused_at, reason, actor, updated_at
            FROM notify.channel_controls
            WHERE channel = $1
            ORDER BY provider
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new() { Value = channel });
        var controls = new List<ChannelControl>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            controls.Add(ReadControl(reader));
        }
        return controls;
    }

    /// <summary>
    /// Every control ever set, of every channel (by channel, the whole channel's first): the
    /// status reads them in one statement rather than one per channel.
    /// </summary>
    public async Task<IReadOnlyList<ChannelControl>> GetAllAsync(CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT channel, provider, paused, paused_at, reason, actor, updated_at
            FROM notify.channel_controls
            ORDER BY channel, provider
            """;
        await using var command = dataSource.CreateCommand(Sql);
        var controls = new List<ChannelControl>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            controls.Add(ReadControl(reader));
        }
        return controls;
    }

    /// <summary>The last <paramref name="limit"/> pauses and resumes of <paramref name="channel"/>, newest first.</summary>
    public async Task<IReadOnlyList<ChannelControlEvent>> HistoryAsync(string channel, int limit, CancellationToken cancellationToken)
    {
        ControlArguments.Channel(channel);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        const string Sql = """
            SELECT id, occurred_at, actor, action, channel, provider, reason, was_paused
            FROM notify.channel_control_events
            WHERE channel = $1
            ORDER BY id DESC
            LIMIT $2
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new() { Value = channel });
        command.Parameters.Add(new() { Value = limit });
        var events = new List<ChannelControlEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new ChannelControlEvent(reader.GetInt64(0), reader.GetDateTime(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetBoolean(7)));
        }
        return events;
    }

    private async Task<ChannelControl> ChangeAsync(string channel, string? provider, bool paused, string reason, string actor,
        CancellationToken cancellationToken)
    {
        // Everything is checked before anything is written.
        ControlArguments.Channel(channel);
        var providerKey = ControlArguments.Provider(channel, provider);
        reason = ControlArguments.Text(reason, ControlArguments.MaxReasonLength, nameof(reason));
        actor = ControlArguments.Text(actor, ControlArguments.MaxActorLength, nameof(actor));

        // One batch, so one transaction: the state, its history row and the wake-up commit
        // together (NOTIFY is sent at commit, so no worker rereads before the row is visible).
        // The first statement makes changes of the same control take turns, even the first-ever
        // two (no row to lock yet); the second then reads the state before it with a fresh
        // snapshot, so each history row's was_paused is the state the previous change left.
        const string Lock = "SELECT pg_advisory_xact_lock(hashtextextended('notify.channel_controls:' || $1 || ':' || $2, 0))";
        const string Change = """
            WITH previous AS (
                SELECT paused FROM notify.channel_controls WHERE channel = $1 AND provider = $2
            ), changed AS (
                INSERT INTO notify.channel_controls AS c (channel, provider, paused, paused_at, reason, actor, updated_at)
                VALUES ($1, $2, $3, CASE WHEN $3 THEN now() END, $4, $5, now())
                ON CONFLICT (channel, provider) DO UPDATE SET
                    paused = excluded.paused,
                    paused_at = CASE WHEN excluded.paused THEN coalesce(c.paused_at, excluded.paused_at) END,
                    reason = excluded.reason,
                    actor = excluded.actor,
                    updated_at = excluded.updated_at
                RETURNING channel, provider, paused, paused_at, reason, actor, updated_at
            ), recorded AS (
                INSERT INTO notify.channel_control_events (occurred_at, actor, action, channel, provider, reason, was_paused)
                SELECT updated_at, actor, CASE WHEN paused THEN 'pause' ELSE 'resume' END, channel, provider, reason,
                       coalesce((SELECT paused FROM previous), false)
                FROM changed
            ), notified AS (
                SELECT pg_notify($6, $1)
            )
            SELECT channel, provider, paused, paused_at, reason, actor, updated_at
            FROM changed CROSS JOIN notified
            """;
        await using var batch = dataSource.CreateBatch();
        var lockCommand = new NpgsqlBatchCommand(Lock);
        lockCommand.Parameters.Add(new() { Value = channel });
        lockCommand.Parameters.Add(new() { Value = providerKey });
        batch.BatchCommands.Add(lockCommand);
        var command = new NpgsqlBatchCommand(Change);
        command.Parameters.Add(new() { Value = channel });
        command.Parameters.Add(new() { Value = providerKey });
        command.Parameters.Add(new() { Value = paused });
        command.Parameters.Add(new() { Value = reason });
        command.Parameters.Add(new() { Value = actor });
        command.Parameters.Add(new() { Value = WakeUpChannel });
        batch.BatchCommands.Add(command);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return ReadControl(reader);
    }

    private static ChannelControl ReadControl(NpgsqlDataReader reader)
        => new(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetDateTime(3),
            reader.GetString(4), reader.GetString(5), reader.GetDateTime(6));
}
