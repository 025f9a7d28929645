using System.CommandLine;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Notify.Cli.Arguments;
using Notify.Cli.Connection;
using Notify.Grpc.Admin.V1;
using Spectre.Console;

namespace Notify.Cli.Commands.Tenants;

/// <summary>
/// <c>notifyctl tenant create|rotate-key|list</c>. A new key is printed once: Notify stores only
/// its hash, so the output is the only copy (said on standard error, so a script's JSON stays clean).
/// </summary>
public static partial class TenantCommand
{
    public static Command Create() => new("tenant", "Tenants and their API keys (admin role).")
    {
        CreateTenant(),
        RotateKey(),
        List(),
    };

    private static Command CreateTenant()
    {
        var name = new Argument<string>("NAME")
        {
            Description = "1–100 characters: letters, digits, '-', '_', '.'.",
            Validators =
            {
                result =>
                {
                    var value = result.GetValueOrDefault<string>();
                    if (!TenantName().IsMatch(value ?? ""))
                    {
                        result.AddError($"NAME: '{value}' is not a tenant name (1–100 characters: letters, digits, '-', '_', '.').");
                    }
                },
            },
        };
        var command = new Command("create", "Creates a tenant and its first API key; the key is printed once.") { name };
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var key = await context.Clients.Admin().CreateTenantAsync(
                new CreateTenantRequest { Name = context.ParseResult.GetValue(name)! }, NotifyClients.Call(cancellationToken));
            WriteKey(context.Output, key, $"Created tenant {key.TenantName} ({key.TenantId}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RotateKey()
    {
        var tenant = new Argument<string>("TENANT") { Description = "The tenant's id or name." };
        var grace = Options.Duration("--grace", "How long the tenant's other keys keep working (default 24h; 0 revokes them now).");
        var command = new Command("rotate-key", "Issues a new API key; the tenant's other keys stop working after the grace period.") { tenant, grace };
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var request = new RotateTenantKeyRequest { Tenant = context.ParseResult.GetValue(tenant)! };
            if (context.ParseResult.GetValue(grace) is { } period)
            {
                request.GracePeriod = Duration.FromTimeSpan(period);
            }
            var key = await context.Clients.Admin().RotateTenantKeyAsync(request, NotifyClients.Call(cancellationToken));
            var expiry = key.PreviousKeysExpireAt is null
                ? "The tenant had no other key."
                : $"The previous key(s) stop working at {Show.Time(key.PreviousKeysExpireAt)}.";
            WriteKey(context.Output, key, $"New key for tenant {key.TenantName} ({key.TenantId}). {expiry}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "Every tenant with the prefixes of its working keys.");
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Admin().ListTenantsAsync(new ListTenantsRequest(), NotifyClients.Call(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Ok;
            }
            var table = Show.Table("Tenants", "name", "id", "created", "state", "working keys");
            foreach (var tenant in response.Tenants)
            {
                table.AddRow(Show.Cell(tenant.Name), Show.Cell(tenant.TenantId), Show.Cell(Show.Time(tenant.CreatedAt)),
                    tenant.Disabled ? Show.Styled("disabled", "red") : Show.Styled("active", "green"),
                    Show.Cell(string.Join(", ", tenant.ActiveKeyPrefixes.Select(p => p + "…"))));
            }
            context.Output.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteKey(CliOutput output, TenantKey key, string summary)
    {
        if (output.Json)
        {
            output.WriteJson(key);
        }
        else
        {
            output.Line(Markup.Escape(summary));
            output.Line($"API key: [bold]{Markup.Escape(key.ApiKey)}[/]");
        }
        output.Warn("The API key is shown only this once: Notify keeps only its hash. Store it now (e.g. in your secret manager).");
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex TenantName();
}
