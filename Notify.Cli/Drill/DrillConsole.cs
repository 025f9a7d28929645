using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Notify.Cli.Drill;

/// <summary>
/// The drill for people: the plan and expected duration up front, then a live view (seeded,
/// delivered, dead, in flight, and per worker) refreshed every second, and the kills as they
/// happen. On a terminal that is not interactive (a CI log) it prints the plan once and a
/// progress line every 10 seconds instead.
/// </summary>
public sealed class DrillConsole(IAnsiConsole console) : IDrillReporter
{
    private static readonly TimeSpan LineEvery = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly List<string> _notes = [];
    private IRenderable _plan = new Text("");
    private DrillTarget? _target;
    private readonly HashSet<string> _killed = new(StringComparer.Ordinal);
    private int _seeded;
    private int _total;
    private DrillSnapshot? _last;
    private LiveDisplayContext? _live;
    private DateTimeOffset _lastLine = DateTimeOffset.MinValue;

    /// <summary>Whether this console can redraw in place.</summary>
    public bool Interactive => console.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> under the live view (or plainly when the console cannot redraw).</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        if (!Interactive)
        {
            return await work();
        }
        var result = default(T)!;
        await console.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async context =>
        {
            lock (_gate)
            {
                _live = context;
            }
            result = await work();
            Changed();
        });
        return result;
    }

    public void Planned(DrillPlan plan, DrillTarget target, DrillEstimate estimate, TimeSpan timeout)
    {
        var o = plan.Options;
        var lines = new List<string>
        {
            $"[bold]notifyctl drill[/] {plan.RunId}: {N(plan.Messages.Count)} messages, {N(plan.CountOf(DrillPlan.WhatsApp))} WhatsApp and {N(plan.CountOf(DrillPlan.Email))} email",
            $"{N(plan.Invalid)} to contacts the sandbox refuses (expect {o.InvalidPercent} % ± {o.DeadTolerancePercent} dead); "
                + $"the first arrival of ~{o.ThrottlePercent} % answered 429 (Retry-After {o.RetryAfterSeconds} s)",
            $"Kill: one replica of each channel (SIGKILL) once {o.KillAfter.ToString("P0", CultureInfo.InvariantCulture)} are done",
        };
        foreach (var channel in DrillPlan.Channels)
        {
            var s = target.Settings[channel];
            var replicas = string.Join(", ", target.Replicas[channel].Select(r => $"{r.Label} pid {r.Pid}"));
            lines.Add($"{channel}: {replicas}; {(s.RatePerSecond > 0 ? $"{s.RatePerSecond:0.##}/s" : "no rate limit")} shared; "
                + $"lease {s.Lease.TotalSeconds:0.#} s + reap every {s.ReapInterval.TotalSeconds:0.#} s");
        }
        var why = string.Join("; ", estimate.Channels.Select(c =>
            $"{c.Channel} {N(c.Messages)} at {(c.RatePerSecond > 0 ? $"{c.RatePerSecond:0.##}/s" : "full speed")} + ~{N(c.Throttled)} × {o.RetryAfterSeconds} s pauses ≈ {DrillEstimate.Format(c.Total)}"));
        lines.Add($"Expected duration: about {DrillEstimate.Format(estimate.Total)} ({why}; + up to {DrillEstimate.Format(estimate.Recovery)} for the reaper). Timeout {DrillEstimate.Format(timeout)}.");
        lock (_gate)
        {
            _target = target;
            _total = plan.Messages.Count;
            _plan = new Panel(new Markup(string.Join("\n", lines.Select(EscapeExceptBold)))).Border(BoxBorder.Rounded);
        }
        if (!Interactive)
        {
            console.Write(_plan);
        }
        Changed();
    }

    public void Seeding(int seeded, int total)
    {
        lock (_gate)
        {
            _seeded = seeded;
            _total = total;
        }
        Line($"seeded {N(seeded)} of {N(total)}");
        Changed();
    }

    public void Progress(DrillSnapshot snapshot)
    {
        lock (_gate)
        {
            _last = snapshot;
        }
        var c = snapshot.Counts;
        Line($"{DrillEstimate.Format(snapshot.Elapsed)}: final {N(c.Total - c.Unfinished)} of {N(snapshot.Seeded)} "
            + $"(delivered {N(c.Delivered)}, sent {N(c.Sent)}, dead {N(c.Dead)}), retrying {N(c.Retrying)}, pending {N(c.Pending)}, in flight {N(c.Sending)}");
        Changed();
    }

    public void Killed(KilledReplica killed)
    {
        Note($"SIGKILL {killed.Replica.Label} (pid {killed.Replica.Pid}, worker {killed.Replica.WorkerId}) at {killed.KilledAt:HH:mm:ss}: it held {N(killed.Held.Count)} deliveries in flight");
        lock (_gate)
        {
            _killed.Add(killed.Replica.WorkerId);
        }
        Changed();
    }

    public void Note(string message)
    {
        lock (_gate)
        {
            _notes.Add(message);
        }
        if (!Interactive)
        {
            console.WriteLine(message);
        }
        Changed();
    }

    /// <summary>The verdict: one row per criterion, the evidence file, and PASS or FAIL.</summary>
    public static void WriteSummary(IAnsiConsole output, DrillResult result)
    {
        var evidence = result.Evidence;
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Drill {Markup.Escape(evidence.DrillId)}[/]");
        table.AddColumns("Criterion", "Result", "Detail");
        foreach (var criterion in evidence.Criteria)
        {
            table.AddRow(new Text(criterion.Name), new Markup(criterion.Passed ? "[green]PASS[/]" : "[red]FAIL[/]"), new Text(criterion.Detail));
        }
        output.Write(table);
        var c = evidence.Counts;
        output.MarkupLineInterpolated($"Counts: total {N(c.Total)}, delivered {N(c.Delivered)}, sent {N(c.Sent)}, dead {N(c.Dead)}, failed {N(c.Failed)}, skipped {N(c.Skipped)}; in {evidence.DurationSeconds:0} s");
        foreach (var (channel, view) in evidence.Sandbox)
        {
            output.MarkupLineInterpolated($"Sandbox {channel}: {N(view.Accepted)} accepted, {N(view.DeliveredMoreThanOnce)} delivered more than once, {N(view.FirstArrivalsThrottled)} first arrivals answered 429");
        }
        foreach (var (channel, providers) in evidence.AcceptedByProvider)
        {
            output.MarkupLineInterpolated($"Sent by {channel}: {string.Join(", ", providers.Select(p => $"{p.Key} {N(p.Value)}"))}");
        }
        output.MarkupLineInterpolated($"Evidence: {result.EvidencePath}");
        output.MarkupLine(evidence.Passed ? "[bold green]PASS[/]" : "[bold red]FAIL[/]");
    }

    private void Line(string message)
    {
        if (Interactive || DateTimeOffset.UtcNow - _lastLine < LineEvery)
        {
            return;
        }
        _lastLine = DateTimeOffset.UtcNow;
        console.WriteLine(message);
    }

    private void Changed()
    {
        LiveDisplayContext? live;
        IRenderable view;
        lock (_gate)
        {
            live = _live;
            view = live is null ? new Text("") : Render();
        }
        if (live is not null)
        {
            live.UpdateTarget(view);
            live.Refresh();
        }
    }

    /// <summary>The live view; called under the lock.</summary>
    private IRenderable Render()
    {
        var rows = new List<IRenderable> { _plan };
        var counts = _last?.Counts ?? StatusCounts.Empty;
        var final = counts.Total - counts.Unfinished;
        var progress = new Table().Border(TableBorder.Simple);
        progress.AddColumns("Elapsed", "Seeded", "Final", "Delivered", "Sent", "Dead", "Retrying", "Pending", "In flight");
        progress.AddRow(
            _last is null ? "-" : DrillEstimate.Format(_last.Elapsed), $"{N(_seeded)} / {N(_total)}",
            _total == 0 ? "0" : $"{N(final)} ({(double)final / _total:P0})", N(counts.Delivered), N(counts.Sent), N(counts.Dead),
            N(counts.Retrying), N(counts.Pending), N(counts.Sending));
        rows.Add(progress);
        if (_last is not null && _target is not null)
        {
            var workers = new Table().Border(TableBorder.Simple);
            workers.AddColumns("Replica", "Worker", "Claimed", "Sent", "In flight", "State");
            foreach (var replica in _target.Replicas.Values.SelectMany(r => r))
            {
                var share = _last.Workers.FirstOrDefault(w => w.Worker == replica.WorkerId);
                workers.AddRow(
                    new Text(replica.Label), new Text(replica.WorkerId), new Text(N(share?.Claims ?? 0)), new Text(N(share?.Sent ?? 0)),
                    new Text(N(_last.InFlight.GetValueOrDefault(replica.WorkerId))),
                    new Markup(_killed.Contains(replica.WorkerId) ? "[red]killed[/]" : "[green]running[/]"));
            }
            rows.Add(workers);
        }
        rows.AddRange(_notes.Select(n => new Text(n)));
        return new Rows(rows);
    }

    /// <summary>The plan's lines are ours except the values: escape everything but the [bold] tags.</summary>
    private static string EscapeExceptBold(string line) =>
        Markup.Escape(line).Replace("[[bold]]", "[bold]", StringComparison.Ordinal).Replace("[[/]]", "[/]", StringComparison.Ordinal);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
