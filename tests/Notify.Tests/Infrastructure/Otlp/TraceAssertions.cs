using System.Text;

namespace Notify.Tests.Infrastructure.Otlp;

/// <summary>
/// Reading one trace out of what the test collector received: wait for its spans, find a
/// span, check parent links, and print it as a tree when something is missing.
/// </summary>
public static class TraceAssertions
{
    /// <summary>
    /// The spans of <paramref name="traceId"/> once <paramref name="complete"/> holds for them
    /// (processes export in batches, about a second apart); fails with the tree received so far.
    /// </summary>
    public static async Task<IReadOnlyList<ReceivedSpan>> WaitForTraceAsync(this OtlpReceiver collector, string traceId,
        Func<IReadOnlyList<ReceivedSpan>, bool> complete, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var spans = collector.SpansOf(traceId);
            if (complete(spans))
            {
                return spans;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Trace {traceId} did not arrive whole; received:\n{Tree(spans)}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>The one span of <paramref name="service"/> named <paramref name="name"/>.</summary>
    public static ReceivedSpan Span(IReadOnlyList<ReceivedSpan> trace, string service, string name)
    {
        var matches = trace.Where(s => s.Service == service && s.Name == name).ToList();
        Assert.True(matches.Count == 1, $"Expected one \"{name}\" span of {service}, found {matches.Count} in:\n{Tree(trace)}");
        return matches[0];
    }

    /// <summary>Each span is the direct child of the one before it, all in one trace.</summary>
    public static void AssertChain(IReadOnlyList<ReceivedSpan> trace, params ReceivedSpan[] chain)
    {
        for (var i = 1; i < chain.Length; i++)
        {
            Assert.True(chain[i].TraceId == chain[0].TraceId && chain[i].ParentSpanId == chain[i - 1].SpanId,
                $"{chain[i]} is not a child of {chain[i - 1]} in:\n{Tree(trace)}");
        }
    }

    /// <summary>The span <paramref name="spanId"/> is <paramref name="ancestor"/> or below it.</summary>
    public static void AssertDescendsFrom(IReadOnlyList<ReceivedSpan> trace, string spanId, ReceivedSpan ancestor)
    {
        for (var current = spanId; current is not null; current = trace.FirstOrDefault(s => s.SpanId == current)?.ParentSpanId)
        {
            if (current == ancestor.SpanId)
            {
                return;
            }
        }
        Assert.Fail($"Span {spanId} does not descend from {ancestor} in:\n{Tree(trace)}");
    }

    /// <summary>A W3C <c>traceparent</c> (<c>00-{trace id}-{parent id}-{flags}</c>) split into its ids.</summary>
    public static (string TraceId, string ParentId) ParseTraceparent(string? traceparent)
    {
        var parts = traceparent?.Split('-') ?? [];
        Assert.True(parts is ["00", { Length: 32 }, { Length: 16 }, { Length: 2 }], $"'{traceparent}' is not a W3C traceparent");
        return (parts[1], parts[2]);
    }

    /// <summary>The trace indented by parent: service, kind, name, span id; spans whose parent was not received are roots.</summary>
    public static string Tree(IReadOnlyList<ReceivedSpan> trace)
    {
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        var text = new StringBuilder();
        foreach (var root in trace.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)))
        {
            Append(root, 0);
        }
        return text.ToString();

        void Append(ReceivedSpan span, int depth)
        {
            text.Append(' ', depth * 2).Append(span).AppendLine();
            foreach (var child in trace.Where(s => s.ParentSpanId == span.SpanId))
            {
                Append(child, depth + 1);
            }
        }
    }
}
