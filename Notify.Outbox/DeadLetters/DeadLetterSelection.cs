using System.Globalization;
using System.Text.Json.Nodes;
using Notify.Outbox.Controls;
using Npgsql;

namespace Notify.Outbox.DeadLetters;

/// <summary>
/// A checked filter or id list turned into a WHERE clause over <c>notify.deliveries</c> (alias
/// <c>d</c>) plus its parameters, and into the canonical JSON stored in <c>replay_runs.filter</c>.
/// Only the conditions given are written into the SQL (no "@x IS NULL OR …"), so the planner sees
/// <c>status = 'DEAD'</c> and the partial dead index, and a channel literal prunes the partitions.
/// </summary>
internal sealed class DeadLetterSelection
{
    public const int MaxIds = 100_000;
    public const int MaxErrorCodeLength = 200;

    private readonly List<string> _conditions = ["d.status = 'DEAD'"];
    private readonly List<NpgsqlParameter> _parameters = [];

    private DeadLetterSelection(JsonObject canonical) => Canonical = canonical;

    /// <summary>The selection as stored in <c>replay_runs.filter</c>: same selection, same JSON.</summary>
    public JsonObject Canonical { get; }

    public string Where => string.Join(" AND ", _conditions);

    public IEnumerable<NpgsqlParameter> Parameters => _parameters.Select(p => p.Clone());

    /// <summary>A listing's filter; every field optional.</summary>
    public static DeadLetterSelection ForListing(DeadLetterFilter? filter)
    {
        filter ??= new DeadLetterFilter();
        var selection = new DeadLetterSelection([]);
        if (filter.TenantId is { } tenant)
        {
            selection.Add("d.tenant_id = @tenant", "tenant", tenant);
        }
        selection.AddFilter(filter);
        return selection;
    }

    /// <summary>A replay's selection: the tenant's dead letters among the ids, or matching the filter.</summary>
    /// <exception cref="ArgumentException">Both or neither of ids and filter, an empty or oversized id list, a bad filter.</exception>
    public static DeadLetterSelection ForReplay(ReplayRequest request)
    {
        if (request.TenantId == Guid.Empty)
        {
            throw new ArgumentException("tenantId: required; a replay is always one tenant's.", nameof(request));
        }
        if ((request.Ids is null) == (request.Filter is null))
        {
            throw new ArgumentException("ids, filter: give exactly one; a replay selects deliveries by id or by filter.", nameof(request));
        }
        if (request.Ids is { } ids)
        {
            var distinct = ids.Distinct().Order().ToArray();
            if (distinct.Length == 0)
            {
                throw new ArgumentException("ids: empty; name at least one delivery.", nameof(request));
            }
            if (distinct.Length > MaxIds)
            {
                throw new ArgumentException($"ids: {distinct.Length} ids; at most {MaxIds} per replay, use a filter for more.", nameof(request));
            }
            var byIds = new DeadLetterSelection(new JsonObject
            {
                ["ids"] = new JsonArray([.. distinct.Select(id => JsonValue.Create(id.ToString("D")))]),
            });
            byIds.Add("d.tenant_id = @tenant", "tenant", request.TenantId);
            byIds.Add("d.id = ANY(@ids)", "ids", distinct);
            byIds.AddReplayable();
            return byIds;
        }

        var filter = request.Filter!;
        if (filter.TenantId is { } other && other != request.TenantId)
        {
            throw new ArgumentException("filter.tenantId: differs from the replay's tenant; a replay is always one tenant's.", nameof(request));
        }
        var selection = new DeadLetterSelection([]);
        selection.Add("d.tenant_id = @tenant", "tenant", request.TenantId);
        selection.AddFilter(filter);
        selection.AddReplayable();
        return selection;
    }

    private void AddFilter(DeadLetterFilter filter)
    {
        if (filter.Channel is not null)
        {
            // A literal, not a parameter, so the plan touches the channel's partition only.
            _conditions.Add(ChannelNames.Literal("d.channel = @channel", ControlArguments.Channel(filter.Channel)));
        }
        if (filter.ErrorCode is not null)
        {
            var code = ControlArguments.Text(filter.ErrorCode, MaxErrorCodeLength, "errorCode");
            Add("d.last_error_code = @code", "code", code);
        }
        var from = Utc(filter.From);
        var to = Utc(filter.To);
        if (from is not null && to is not null && from >= to)
        {
            throw new ArgumentException($"from, to: from ({Iso(from)}) must be before to ({Iso(to)}).", nameof(filter));
        }
        if (from is not null)
        {
            Add("d.updated_at >= @from", "from", from.Value);
        }
        if (to is not null)
        {
            Add("d.updated_at < @to", "to", to.Value);
        }
        Canonical["channel"] = filter.Channel;
        Canonical["error_code"] = filter.ErrorCode?.Trim();
        Canonical["from"] = Iso(from);
        Canonical["to"] = Iso(to);
    }

    // A dead letter past its expiry would only be expired by the worker that claims it: it is not
    // replayed (nor counted), so the count is what will really be sent again.
    private void AddReplayable() => _conditions.Add("(d.expires_at IS NULL OR d.expires_at > now())");

    private void Add<T>(string condition, string name, T value)
    {
        _conditions.Add(condition);
        _parameters.Add(new NpgsqlParameter<T>(name, value));
    }

    // Npgsql writes timestamptz from UTC only; an unspecified kind is taken as UTC.
    private static DateTime? Utc(DateTime? value) => value switch
    {
        null => null,
        { Kind: DateTimeKind.Local } local => local.ToUniversalTime(),
        { } other => DateTime.SpecifyKind(other, DateTimeKind.Utc),
    };

    private static string? Iso(DateTime? value)
        => value?.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
