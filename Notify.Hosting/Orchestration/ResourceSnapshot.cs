namespace Notify.Hosting.Orchestration;

/// <summary>One row of the resource table: what a developer wants to see at a glance.</summary>
public sealed record ResourceSnapshot(
    string Name, string Kind, int Replica, string State, int Pid, IReadOnlyList<string> Urls, string Health);
