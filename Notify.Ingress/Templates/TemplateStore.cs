using Google.Protobuf.WellKnownTypes;
using Notify.Grpc.V1;
using Notify.Ingress.Validation;
using Notify.Outbox.Tenants;
using Npgsql;

using Notify.Templates;

namespace Notify.Ingress.Templates;

/// <summary>
/// Template versions in <c>notify.templates</c>: put (a new version), get, list, and the
/// resolution Send uses to pin a version per channel. Every statement names the tenant and runs
/// in its <see cref="TenantScope"/> (row-level security).
/// </summary>
public sealed class TemplateStore(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 500;

    // Second half of the advisory lock key space that serializes puts of one template key
    // (the two-int form cannot collide with the migrator's single bigint lock).
    private const int PutLockSpace = 0x746D706C; // "tmpl"

    private readonly TemplateResolutionCache _cache = new(timeProvider);

    /// <summary>Validates <paramref name="request"/> and stores it as the next version.</summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT, see <see cref="TemplateRequests.Validate"/>.</exception>
    public Task<Template> PutAsync(Guid tenantId, PutTemplateRequest request, CancellationToken cancellationToken)
        => PutAsync(tenantId, TemplateRequests.Validate(request), cancellationToken);

    /// <summary>Stores <paramref name="draft"/> as version max + 1 of its (id, channel, locale).</summary>
    public async Task<Template> PutAsync(Guid tenantId, TemplateDraft draft, CancellationToken cancellationToken)
    {
        // Concurrent puts of one key serialize on a transaction-scoped advisory lock, so the
        // INSERT's max(version) always sees the previous put's row: no retry loop, and no
        // unique violation to surface however many puts race. The lock is taken on a hash,
        // so two keys may share one; that costs a brief wait, never a wrong version.
        const string LockSql = """
            SELECT pg_advisory_xact_lock($1, hashtext($2::text || '/' || $3 || '/' || $4 || '/' || $5))
            """;
        const string InsertSql = """
            INSERT INTO notify.templates
                (tenant_id, template_id, channel, locale, version, subject, body, html_body, description, variables)
            SELECT $1, $2, $3, $4, coalesce(max(version), 0) + 1, $5, $6, $7, $8, $9
            FROM notify.templates
            WHERE tenant_id = $1 AND template_id = $2 AND channel = $3 AND locale = $4
            RETURNING version, created_at
            """;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                TenantScope.Command(tenantId),
                new NpgsqlBatchCommand(LockSql)
                {
                    Parameters = { new() { Value = PutLockSpace }, new() { Value = tenantId }, new() { Value = draft.TemplateId },
                        new() { Value = draft.Channel }, new() { Value = draft.Locale } },
                },
                new NpgsqlBatchCommand(InsertSql)
                {
                    Parameters = { new() { Value = tenantId }, new() { Value = draft.TemplateId }, new() { Value = draft.Channel },
                        new() { Value = draft.Locale }, new() { Value = draft.Subject }, new() { Value = draft.Body },
                        new() { Value = draft.HtmlBody }, new() { Value = draft.Description }, new() { Value = draft.Variables.ToArray() } },
                },
            },
        };

        int version;
        DateTime createdAt;
        await using (var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);   // past the lock
            await reader.ReadAsync(cancellationToken);
            version = reader.GetInt32(0);
            createdAt = reader.GetDateTime(1);
        }
        await transaction.CommitAsync(cancellationToken);
        _cache.Invalidate(tenantId, draft.TemplateId);

        return new Template
        {
            TemplateId = draft.TemplateId,
            Channel = Channels.FromName(draft.Channel),
            Locale = draft.Locale,
            Version = version,
            Subject = draft.Subject,
            Body = draft.Body,
            HtmlBody = draft.HtmlBody,
            Description = draft.Description,
            Variables = { draft.Variables },
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(createdAt, DateTimeKind.Utc)),
        };
    }

    /// <summary>
    /// One version of a template (<paramref name="version"/> 0 = the latest), or null. The
    /// channel is the stored name and the locale normalised; no locale fallback here.
    /// </summary>
    public async Task<Template?> GetAsync(Guid tenantId, string templateId, string channel, string locale, int version,
        CancellationToken cancellationToken)
    {
        const string Sql = $"""
            SELECT {Columns}
            FROM notify.templates
            WHERE tenant_id = $1 AND template_id = $2 AND channel = $3 AND locale = $4
              AND ($5 = 0 OR version = $5)
            ORDER BY version DESC
            LIMIT 1
            """;

        var command = new NpgsqlBatchCommand(Sql)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = templateId }, new() { Value = channel }, new() { Value = locale },
                new() { Value = version } },
        };
        await using var batch = TenantScope.CreateBatch(dataSource, tenantId, command);
        await using var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadTemplate(reader) : null;
    }

    /// <summary>
    /// The latest version of each of the tenant's templates whose id starts with
    /// <paramref name="templateIdPrefix"/>, ordered by id, channel and locale.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT for a bad page size or token.</exception>
    public async Task<ListTemplatesResponse> ListAsync(Guid tenantId, string templateIdPrefix, int pageSize, string pageToken,
        CancellationToken cancellationToken)
    {
        if (pageSize is < 0 or > MaxPageSize)
        {
            FieldViolations.ThrowInvalid("page_size", $"must be 0 to {MaxPageSize}");
        }
        if (templateIdPrefix.Length > 0)
        {
            var violations = new FieldViolations();
            TemplateRequests.ValidateTemplateId(templateIdPrefix, "template_id_prefix", violations);
            violations.ThrowIfAny();
        }
        pageSize = pageSize == 0 ? DefaultPageSize : pageSize;
        TemplatePageToken after = default;
        if (pageToken.Length > 0 && !TemplatePageToken.TryDecode(pageToken, out after))
        {
            FieldViolations.ThrowInvalid("page_token", "is not a token from a previous ListTemplates response");
        }

        // DISTINCT ON keeps the first row of each key in ORDER BY order, i.e. the highest version.
        // The row comparison starts at the primary key's prefix, so the page starts with an index
        // seek rather than a scan of the tenant's earlier templates. `template_id >= prefix`
        // gives the same seek for the prefix; starts_with then does the exact test.
        const string Sql = $"""
            SELECT DISTINCT ON (template_id, channel, locale) {Columns}
            FROM notify.templates
            WHERE tenant_id = $1
              AND template_id >= $2 AND starts_with(template_id, $2)
              AND ($3 = '' OR (tenant_id, template_id, channel, locale) > ($1, $3, $4, $5))
            ORDER BY template_id, channel, locale, version DESC
            LIMIT $6
            """;

        var command = new NpgsqlBatchCommand(Sql)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = templateIdPrefix }, new() { Value = after.TemplateId ?? "" },
                new() { Value = after.Channel ?? "" }, new() { Value = after.Locale ?? "" }, new() { Value = pageSize + 1 } },
        };

        var response = new ListTemplatesResponse();
        await using var batch = TenantScope.CreateBatch(dataSource, tenantId, command);
        await using var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (response.Templates.Count == pageSize)
            {
                var last = response.Templates[^1];
                response.NextPageToken = new TemplatePageToken(last.TemplateId, Channels.ToName(last.Channel)!, last.Locale).Encode();
                break;
            }
            response.Templates.Add(ReadTemplate(reader));
        }
        return response;
    }

    /// <summary>
    /// For each channel (stored names), the latest version of <paramref name="templateId"/> in
    /// <paramref name="locale"/> or its fallback (<c>pt-BR</c> → <c>pt</c> → <c>en</c>).
    /// Answers come from a cache for up to five seconds.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="locale"/> is not a locale tag.</exception>
    public async Task<TemplateResolution> ResolveAsync(Guid tenantId, string templateId, string locale,
        IReadOnlyList<string> channels, CancellationToken cancellationToken = default)
    {
        if (!LocaleTag.TryNormalize(locale, out var normalized))
        {
            throw new ArgumentException("Not a locale tag.", nameof(locale));
        }

        var found = new Dictionary<string, ResolvedTemplate>(StringComparer.Ordinal);
        var missing = new List<string>();
        var uncached = new List<string>();
        foreach (var channel in channels.Distinct(StringComparer.Ordinal))
        {
            if (!_cache.TryGet(new(tenantId, templateId, normalized, channel), out var cached))
            {
                uncached.Add(channel);
            }
            else if (cached is null)
            {
                missing.Add(channel);
            }
            else
            {
                found[channel] = cached;
            }
        }

        if (uncached.Count > 0)
        {
            var stamp = _cache.Stamp;
            var queried = await QueryLatestAsync(tenantId, templateId, LocaleTag.FallbackChain(normalized), uncached, cancellationToken);
            foreach (var channel in uncached)
            {
                var template = queried.GetValueOrDefault(channel);
                _cache.Set(new(tenantId, templateId, normalized, channel), template, stamp);
                if (template is null)
                {
                    missing.Add(channel);
                }
                else
                {
                    found[channel] = template;
                }
            }
        }

        // Report missing channels in the caller's order, whichever came from the cache.
        return new TemplateResolution(found, [.. channels.Distinct(StringComparer.Ordinal).Where(missing.Contains)]);
    }

    private async Task<Dictionary<string, ResolvedTemplate>> QueryLatestAsync(Guid tenantId, string templateId,
        string[] locales, List<string> channels, CancellationToken cancellationToken)
    {
        // One row per channel: the best locale of the fallback chain (its position in $4),
        // then the latest version. The primary key serves each (channel, locale) pair.
        const string Sql = """
            SELECT DISTINCT ON (channel) channel, locale, version, variables
            FROM notify.templates
            WHERE tenant_id = $1 AND template_id = $2 AND channel = ANY($3) AND locale = ANY($4)
            ORDER BY channel, array_position($4, locale), version DESC
            """;

        var command = new NpgsqlBatchCommand(Sql)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = templateId }, new() { Value = channels.ToArray() }, new() { Value = locales } },
        };

        var result = new Dictionary<string, ResolvedTemplate>(StringComparer.Ordinal);
        await using var batch = TenantScope.CreateBatch(dataSource, tenantId, command);
        await using var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var channel = reader.GetString(0);
            result[channel] = new ResolvedTemplate(channel, reader.GetInt32(2), reader.GetString(1), reader.GetFieldValue<string[]>(3));
        }
        return result;
    }

    private const string Columns = "template_id, channel, locale, version, subject, body, html_body, description, variables, created_at";

    private static Template ReadTemplate(NpgsqlDataReader reader) => new()
    {
        TemplateId = reader.GetString(0),
        Channel = Channels.FromName(reader.GetString(1)),
        Locale = reader.GetString(2),
        Version = reader.GetInt32(3),
        Subject = reader.GetString(4),
        Body = reader.GetString(5),
        HtmlBody = reader.GetString(6),
        Description = reader.GetString(7),
        Variables = { reader.GetFieldValue<string[]>(8) },
        CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(reader.GetDateTime(9), DateTimeKind.Utc)),
    };
}
