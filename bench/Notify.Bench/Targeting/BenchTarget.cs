namespace Notify.Bench.Targeting;

/// <summary>Where the load goes and with which key; <paramref name="Source"/> says how it was found.</summary>
internal sealed record BenchTarget(Uri Address, string ApiKey, string Source);
