using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Notify.Sandbox.Faults;

/// <summary>
/// Decides, per provider, which requests fail and how. Deterministic, so tests are not flaky:
/// request <c>n</c> (counted per provider since its faults were last set) falls on slot
/// <c>(seed + 37·n) mod 100</c>. Because 37 and 100 are coprime every run of 100 requests visits
/// each slot once, so a 30 % setting fails exactly 30 of any 100 consecutive requests, spread out
/// rather than in a burst. Slots below <c>ThrottlePercent</c> throttle, the next
/// <c>ServerErrorPercent</c> slots fail with 500, the next <c>TimeoutPercent</c> hang.
/// </summary>
public sealed class FaultInjector
{
    private const int Stride = 37;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ProviderFaults> _faults = new(StringComparer.Ordinal);
    private readonly IOptions<SandboxOptions> _options;
    private readonly TimeProvider _time;

    public FaultInjector(IOptions<SandboxOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        RestoreConfigured();
    }

    /// <summary>The faults in force, by provider.</summary>
    public IReadOnlyDictionary<string, FaultSettings> Current
    {
        get
        {
            lock (_lock)
            {
                return _faults.ToDictionary(f => f.Key, f => f.Value.Settings, StringComparer.Ordinal);
            }
        }
    }

    public void Set(string provider, FaultSettings settings)
    {
        var compiled = new ProviderFaults(settings);
        lock (_lock)
        {
            _faults[provider] = compiled;
        }
    }

    public void Clear(string? provider)
    {
        lock (_lock)
        {
            if (provider is null)
            {
                _faults.Clear();
            }
            else
            {
                _faults.Remove(provider);
            }
        }
    }

    /// <summary>Back to the faults configured under <c>Sandbox:Faults</c>.</summary>
    public void RestoreConfigured()
    {
        lock (_lock)
        {
            _faults.Clear();
            foreach (var (provider, settings) in _options.Value.Faults)
            {
                _faults[provider.ToLowerInvariant()] = new ProviderFaults(settings);
            }
        }
    }

    /// <summary>The fault, if any, for the next request to <paramref name="provider"/> (counts the request).</summary>
    public FaultDecision Decide(string provider)
    {
        ProviderFaults? faults;
        long n;
        lock (_lock)
        {
            if (!_faults.TryGetValue(provider, out faults))
            {
                return FaultDecision.None;
            }
            n = faults.Requests++;
        }

        var settings = faults.Settings;
        if (settings.OutageUntil is { } until && _time.GetUtcNow() < until)
        {
            return new FaultDecision.Outage(until);
        }

        var offset = ((_options.Value.Seed % 100) + 100) % 100;
        var slot = (int)((offset + Stride * (n % 100)) % 100);
        if (slot < settings.ThrottlePercent)
        {
            return new FaultDecision.Throttle(settings.RetryAfterSeconds);
        }
        slot -= settings.ThrottlePercent;
        if (slot < settings.ServerErrorPercent)
        {
            return new FaultDecision.ServerError();
        }
        slot -= settings.ServerErrorPercent;
        if (slot < settings.TimeoutPercent)
        {
            return new FaultDecision.Hang(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        }
        return FaultDecision.None;
    }

    /// <summary>
    /// A 429 for the first arrival of a message chosen by <see cref="FaultSettings.ThrottleFirstArrivalPercent"/>,
    /// else <see cref="FaultDecision.None"/>. Chosen by delivery id, so it does not matter which
    /// replica sends it or in what order; each chosen id is throttled once per fault setting.
    /// </summary>
    public FaultDecision DecideFirstArrival(string provider, string? deliveryId)
    {
        if (deliveryId is null)
        {
            return FaultDecision.None;
        }
        ProviderFaults? faults;
        lock (_lock)
        {
            if (!_faults.TryGetValue(provider, out faults) || faults.Settings.ThrottleFirstArrivalPercent <= 0)
            {
                return FaultDecision.None;
            }
        }
        if (Slot(_options.Value.Seed, deliveryId) >= faults.Settings.ThrottleFirstArrivalPercent)
        {
            return FaultDecision.None;
        }
        lock (_lock)
        {
            return faults.ThrottledFirstArrivals.Add(deliveryId)
                ? new FaultDecision.Throttle(faults.Settings.RetryAfterSeconds)
                : FaultDecision.None;
        }
    }

    /// <summary>Where a delivery id falls in 0..99: the first four bytes of SHA-256 over the seed and the id.</summary>
    public static int Slot(int seed, string deliveryId)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{seed}:{deliveryId}"), hash);
        return (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash) % 100);
    }

    /// <summary>True when <paramref name="recipient"/> matches the provider's permanent-rejection pattern.</summary>
    public bool IsInvalidRecipient(string provider, string recipient)
    {
        ProviderFaults? faults;
        lock (_lock)
        {
            _faults.TryGetValue(provider, out faults);
        }
        return faults?.InvalidRecipient?.IsMatch(recipient) == true;
    }

    private sealed class ProviderFaults(FaultSettings settings)
    {
        public FaultSettings Settings { get; } = settings;

        public Regex? InvalidRecipient { get; } = settings.InvalidRecipientPattern is { Length: > 0 } pattern ? Compile(pattern) : null;

        /// <summary>
        /// Linear-time matching where the pattern allows it: under a loaded machine a backtracking
        /// match ran past its 100 ms timeout and the provider call got a 500 instead of its answer.
        /// </summary>
        private static Regex Compile(string pattern)
        {
            try
            {
                return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            }
            catch (NotSupportedException)
            {
                return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));   // back-references, lookarounds
            }
        }

        public long Requests { get; set; }

        /// <summary>Delivery ids whose first arrival was throttled (guarded by the injector's lock).</summary>
        public HashSet<string> ThrottledFirstArrivals { get; } = new(StringComparer.Ordinal);
    }
}
