namespace Notify.Bench.Recording;

/// <summary>Counts errors by code (a gRPC status, <c>item:&lt;status&gt;</c> for a batch item, or an exception type) with the first message seen for each.</summary>
internal sealed class ErrorTally
{
    private readonly Dictionary<string, (long Count, string Sample)> _byCode = new(StringComparer.Ordinal);

    public bool IsEmpty => _byCode.Count == 0;

    public void Count(string code, string message, long times = 1)
    {
        _byCode[code] = _byCode.TryGetValue(code, out var seen)
            ? (seen.Count + times, seen.Sample)
            : (times, message);
    }

    public void Add(ErrorTally other)
    {
        foreach (var (code, (count, sample)) in other._byCode)
        {
            Count(code, sample, count);
        }
    }

    public IReadOnlyList<ErrorCount> ToList() =>
        [.. _byCode.Select(e => new ErrorCount(e.Key, e.Value.Count, e.Value.Sample)).OrderByDescending(e => e.Count)];
}

internal sealed record ErrorCount(string Code, long Count, string Sample);
