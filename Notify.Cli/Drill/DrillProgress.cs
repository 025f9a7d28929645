namespace Notify.Cli.Drill;

/// <summary>One reading of the run, for the live view.</summary>
/// <param name="Elapsed">Since the drill started.</param>
/// <param name="Seeded">Messages accepted by the ingress so far.</param>
/// <param name="Counts">This run's deliveries by status.</param>
/// <param name="InFlight">SENDING deliveries by the worker holding them.</param>
/// <param name="Workers">Claims and sends per worker so far.</param>
public sealed record DrillSnapshot(
    TimeSpan Elapsed, int Seeded, StatusCounts Counts, IReadOnlyDictionary<string, long> InFlight, IReadOnlyList<WorkerCount> Workers);

/// <summary>Where the drill reports as it goes (the console's live view, or nothing in tests and with --json).</summary>
public interface IDrillReporter
{
    void Planned(DrillPlan plan, DrillTarget target, DrillEstimate estimate, TimeSpan timeout);

    void Seeding(int seeded, int total);

    void Progress(DrillSnapshot snapshot);

    void Killed(KilledReplica killed);

    void Note(string message);
}

/// <summary>Reports nothing.</summary>
public sealed class SilentDrillReporter : IDrillReporter
{
    public static readonly SilentDrillReporter Instance = new();

    public void Planned(DrillPlan plan, DrillTarget target, DrillEstimate estimate, TimeSpan timeout)
    {
    }

    public void Seeding(int seeded, int total)
    {
    }

    public void Progress(DrillSnapshot snapshot)
    {
    }

    public void Killed(KilledReplica killed)
    {
    }

    public void Note(string message)
    {
    }
}
