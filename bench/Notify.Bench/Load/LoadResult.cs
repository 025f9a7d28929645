using Notify.Bench.Recording;

namespace Notify.Bench.Load;

/// <summary>
/// What a loop measured. <paramref name="WindowSeconds"/> is the measured time actually run
/// (shorter than asked when interrupted); <paramref name="Unsent"/> counts open-loop calls whose
/// scheduled start fell in the window but that were never sent because every caller was busy.
/// </summary>
internal sealed record LoadResult(CallerStats Totals, double WindowSeconds, long Unsent, bool Interrupted);
