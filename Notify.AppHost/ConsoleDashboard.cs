using Notify.Hosting;
using Notify.Hosting.Processes;
using Spectre.Console;

namespace Notify.AppHost;

/// <summary>
/// The AppHost's stand-in for the Aspire dashboard: each process's log lines prefixed with its
/// resource name in its own color, and a resource table once everything is healthy.
/// </summary>
public sealed class ConsoleDashboard
{
    private static readonly Color[] Palette =
        [Color.Aqua, Color.Green, Color.Yellow, Color.Fuchsia, Color.Orange1, Color.DeepSkyBlue1, Color.SpringGreen1, Color.Violet, Color.Gold1];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Color> _colors = new(StringComparer.Ordinal);
    private LocalApp? _app;

    public static ConsoleDashboard Attach(LocalAppOptions options)
    {
        var dashboard = new ConsoleDashboard();
        options.OnLog = dashboard.Write;
        options.OnStatus = message => dashboard.Status(message);
        options.OnProcessExited = dashboard.Exited;
        return dashboard;
    }

    public void ShowResources(LocalApp app)
    {
        _app = app;
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Notify resources[/]");
        table.AddColumns("Resource", "State", "PID", "URLs", "Health");
        var rows = app.Describe();
        foreach (var row in rows)
        {
            var name = rows.Count(r => r.Name == row.Name) > 1 ? $"{row.Name}#{row.Replica}" : row.Name;
            var health = row.Health == "Healthy" ? "[green]Healthy[/]" : Markup.Escape(row.Health);
            table.AddRow(
                new Markup($"[{ColorOf(row.Name).ToMarkup()}]{Markup.Escape(name)}[/]"),
                new Text(row.State), new Text(row.Pid.ToString()),
                new Text(string.Join(Environment.NewLine, row.Urls)), new Markup(health));
        }
        lock (_gate)
        {
            AnsiConsole.Write(table);
        }
    }

    public void ShowHints(LocalApp app, NotifyTopology topology)
    {
        var ingress = app.GetProcess(topology.Ingress.Name);
        var lines = new List<string>
        {
            $"gRPC (notify.v1):  {ingress.Endpoints["grpc"]}",
            $"Dev API key:       {topology.DevelopmentApiKeyPath}  (tenant 'dev')",
            $"Admin API (HTTP):  {ingress.Endpoints["http"]}admin/v1/...  (dev admin token in the endpoints file)",
            $"Endpoints file:    {topology.EndpointsFilePath}",
        };
        lines.AddRange(TelemetryLinks.Lines(app, topology));
        lines.Add("Press Ctrl-C to stop everything.");
        lock (_gate)
        {
            foreach (var line in lines)
            {
                AnsiConsole.MarkupLine(Markup.Escape(line));
            }
        }
    }

    /// <summary>
    /// A replica died on its own (or by <c>kill -9</c>, as in the crash drill): say so, and show
    /// the table again with it as exited. Nothing is restarted and the AppHost runs on;
    /// endpoints.json keeps listing the replica's pid.
    /// </summary>
    private void Exited(Notify.Hosting.Orchestration.ResourceProcess process)
    {
        var code = process.ExitCode is { } exit ? Notify.Hosting.Orchestration.ResourceProcess.DescribeExit(exit) : "?";
        Status($"{process.ResourceName}#{process.Replica} (pid {process.LastPid}) exited with code {code}; "
            + "the AppHost and the other replicas run on. Restart the AppHost to bring it back.");
        if (_app is { } app)
        {
            ShowResources(app);
        }
    }

    private void Status(string message)
    {
        lock (_gate)
        {
            AnsiConsole.MarkupLine($"[grey]apphost[/] {Markup.Escape(message)}");
        }
    }

    private void Write(LogLine line)
    {
        var prefix = line.Replica == 0 ? line.Source : $"{line.Source}#{line.Replica}";
        lock (_gate)
        {
            AnsiConsole.Markup($"[{ColorOf(line.Source).ToMarkup()}]{Markup.Escape(prefix.PadRight(10))}[/] ");
            // Raw, not markup: the line may carry the process's own ANSI colors.
            Console.Out.WriteLine(line.Text);
        }
    }

    private Color ColorOf(string resource)
    {
        lock (_colors)
        {
            if (!_colors.TryGetValue(resource, out var color))
            {
                color = Palette[_colors.Count % Palette.Length];
                _colors[resource] = color;
            }
            return color;
        }
    }
}
