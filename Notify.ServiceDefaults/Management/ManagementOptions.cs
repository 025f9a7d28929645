using System.ComponentModel.DataAnnotations;

namespace Notify.ServiceDefaults.Management;

/// <summary>
/// Where a process serves <c>/health</c>, <c>/alive</c>, <c>/health/detail</c> and
/// <c>/metrics</c> (section <c>Notify:Management</c>). They say how the process is doing, which
/// providers fail and how much it sends: for operators and their probes and scrapers, not for
/// whoever reaches the public endpoints. So they have listeners of their own, on loopback unless
/// an operator names another address, and the public endpoints answer 404 for those paths.
/// </summary>
public sealed class ManagementOptions
{
    public const string SectionName = "Notify:Management";

    /// <summary>Loopback on a free port, logged at start; set a port for a scraper to find it.</summary>
    public const string DefaultUrls = "http://127.0.0.1:0";

    /// <summary>
    /// One or more <c>http://address:port</c> separated by <c>;</c>, as <c>ASPNETCORE_URLS</c>.
    /// The address is an IP literal, <c>localhost</c>, or <c>*</c> / <c>0.0.0.0</c> for every
    /// interface (a container whose probes come from outside, say: a choice to make on purpose).
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string Urls { get; set; } = DefaultUrls;
}
