namespace Notify.WhatsApp.Tier;

/// <summary>
/// The ledger's answer for one business-initiated send: go ahead (the recipient is counted,
/// or was already), or wait <see cref="ResetIn"/> until the oldest counted recipient leaves
/// the 24-hour window.
/// </summary>
/// <param name="Used">Unique recipients counted in the window after this decision.</param>
public sealed record TierAdmission(bool Admitted, int Used, TimeSpan ResetIn)
{
    /// <summary>No limit applies (tier unlimited): nothing was counted.</summary>
    public static readonly TierAdmission Unmetered = new(true, 0, TimeSpan.Zero);

    /// <summary>The recipient's hash when this admission added it, so a refused send can give the place back.</summary>
    internal string? Member { get; init; }

    /// <summary>The timestamp (ms) the recipient was counted at: a release only removes that entry, not a later one.</summary>
    internal long CountedAt { get; init; }

    /// <summary>Counted in this process's share while Redis was away.</summary>
    internal bool Local { get; init; }

    /// <summary>True when this admission added a recipient not yet counted in the window.</summary>
    public bool NewlyCounted => Member is not null;
}
