namespace Notify.Hosting.Processes;

/// <summary>One line a managed process (or server) wrote, tagged with who wrote it.</summary>
public sealed record LogLine(string Source, int Replica, string Text, bool IsError, DateTimeOffset Timestamp)
{
    public override string ToString() => Replica == 0 ? $"[{Source}] {Text}" : $"[{Source}#{Replica}] {Text}";
}
