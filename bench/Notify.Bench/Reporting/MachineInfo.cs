using System.Globalization;
using System.Runtime.InteropServices;

namespace Notify.Bench.Reporting;

/// <summary>The machine a result was measured on, so it can be recorded next to the numbers.</summary>
internal sealed record MachineInfo(int Processors, string CpuModel, double MemoryGiB, string OperatingSystem, string Runtime)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        ReadProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        ReadMemTotalGiB(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription);

    public string ToLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"machine: nproc={Processors}, cpu={CpuModel}, ram={MemoryGiB:0.0} GiB, os={OperatingSystem}, {Runtime}");

    private static double ReadMemTotalGiB()
    {
        // "MemTotal:       24683656 kB"
        var text = ReadProcField("/proc/meminfo", "MemTotal");
        var number = text?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib)
            ? Math.Round(kib / 1024.0 / 1024.0, 1)
            : Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024.0 / 1024.0, 1);
    }

    private static string? ReadProcField(string path, string field)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && line.AsSpan(0, colon).Trim().SequenceEqual(field))
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
