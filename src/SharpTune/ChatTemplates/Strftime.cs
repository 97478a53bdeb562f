using System.Globalization;
using System.Text;

namespace SharpTune.ChatTemplates;

/// <summary>C's <c>strftime</c> in the C locale, for the <c>strftime_now</c> global.</summary>
static class Strftime
{
    public static string Format(DateTime time, string format)
    {
        var builder = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                builder.Append(format[i]);
                continue;
            }
            var code = format[++i];
            builder.Append(code switch
            {
                'Y' => time.Year.ToString("0000", culture),
                'y' => (time.Year % 100).ToString("00", culture),
                'm' => time.Month.ToString("00", culture),
                'd' => time.Day.ToString("00", culture),
                'e' => time.Day.ToString(culture).PadLeft(2),
                'H' => time.Hour.ToString("00", culture),
                'I' => ((time.Hour + 11) % 12 + 1).ToString("00", culture),
                'M' => time.Minute.ToString("00", culture),
                'S' => time.Second.ToString("00", culture),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'b' or 'h' => time.ToString("MMM", culture),
                'B' => time.ToString("MMMM", culture),
                'a' => time.ToString("ddd", culture),
                'A' => time.ToString("dddd", culture),
                'j' => time.DayOfYear.ToString("000", culture),
                'w' => ((int)time.DayOfWeek).ToString(culture),
                'F' => time.ToString("yyyy-MM-dd", culture),
                'T' => time.ToString("HH:mm:ss", culture),
                'D' => time.ToString("MM/dd/yy", culture),
                '%' => "%",
                _ => "%" + code,
            });
        }
        return builder.ToString();
    }
}
