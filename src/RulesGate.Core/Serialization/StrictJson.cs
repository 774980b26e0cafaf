using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RulesGate.Core.Serialization;

/// <summary>
/// How every JSON input is read (intents, state, diary, evidence, signals, contexts): valid UTF-8, no key written
/// twice in one object (<c>"qty": 1, "qty": 100000</c> would otherwise mean whichever a reader takes), bounded
/// depth. A violation is a <see cref="FormatException"/> naming the source, line and column.
/// </summary>
public static class StrictJson
{
    public static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>The largest JSON input read whole (a stream of intents included): 256 MB.</summary>
    public const int MaxBytes = 256 << 20;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One JSON document; <paramref name="line"/> is the line of <paramref name="source"/> it starts on.</summary>
    /// <exception cref="FormatException">It is not valid JSON, or writes a key twice; says where.</exception>
    public static JsonDocument Parse(string text, string source, int line = 1)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        try
        {
            RefuseDuplicateKeys(bytes, source, line);
            return JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException error)
        {
            throw Located(error, source, line);
        }
    }

    /// <summary>One JSON document from UTF-8 bytes (a request body), checked as <see cref="Parse(string, string, int)"/> checks text.</summary>
    /// <exception cref="FormatException">It is not valid UTF-8 or valid JSON, or writes a key twice, or escapes half a character; says where.</exception>
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8, string source)
    {
        try
        {
            Utf8.GetCharCount(utf8.Span);
        }
        catch (DecoderFallbackException error)
        {
            var at = Math.Clamp(error.Index, 0, utf8.Length);
            var line = 1 + utf8.Span[..at].Count((byte)'\n');
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{source}:{line}: not valid UTF-8; send UTF-8."), error);
        }

        try
        {
            RefuseDuplicateKeys(utf8.Span, source, 1);
            return JsonDocument.Parse(utf8, Options);
        }
        catch (JsonException error)
        {
            throw Located(error, source, 1);
        }
    }

    /// <summary>
    /// Names the first key written twice in one object, and the first text that escapes half a character (a lone
    /// <c>\ud800</c>, which no reader could turn into text), with its line and column.
    /// </summary>
    private static void RefuseDuplicateKeys(ReadOnlySpan<byte> json, string source, int line)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = Options.MaxDepth });
        var open = new Stack<HashSet<string>?>();
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                try
                {
                    reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    var (row, column) = Position(json, reader.TokenStartIndex, line);
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{source}:{row}:{column}: this text escapes half a character (a lone surrogate such as \\ud800); escape whole characters, or write them as they are."));
                }
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    open.Push(new HashSet<string>(StringComparer.Ordinal));
                    break;
                case JsonTokenType.StartArray:
                    open.Push(null);
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    open.Pop();
                    break;
                case JsonTokenType.PropertyName when !open.Peek()!.Add(reader.GetString()!):
                    var (row, column) = Position(json, reader.TokenStartIndex, line);
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{source}:{row}:{column}: the key '{Identities.Visible(reader.GetString()!)}' is written twice in one object; write each key once."));
            }
        }
    }

    private static (int Line, int Column) Position(ReadOnlySpan<byte> json, long index, int line)
    {
        var before = json[..(int)index];
        return (line + before.Count((byte)'\n'), Encoding.UTF8.GetCharCount(before[(before.LastIndexOf((byte)'\n') + 1)..]) + 1);
    }

    /// <summary>A whole file of one JSON document.</summary>
    public static JsonDocument ParseFile(string path) => Parse(ReadText(path), path);

    /// <summary>The file's text, which must be valid UTF-8 (a byte-order mark is dropped).</summary>
    /// <exception cref="FormatException">It is not; names the file and the line.</exception>
    public static string ReadText(string path)
    {
        var bytes = InputFile.Read(path, MaxBytes);
        try
        {
            return Utf8.GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException error)
        {
            var at = Math.Max(0, error.Index);
            var line = 1 + bytes.AsSpan(0, Math.Min(at, bytes.Length)).Count((byte)'\n');
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path}:{line}: not valid UTF-8; save the file as UTF-8."), error);
        }
    }

    /// <summary>The file's lines, numbered from 1, after checking it is valid UTF-8.</summary>
    public static IReadOnlyList<(int Line, string Text)> ReadLines(string path)
    {
        var lines = new List<(int, string)>();
        using var reader = new StringReader(ReadText(path));
        while (reader.ReadLine() is { } line)
        {
            lines.Add((lines.Count + 1, line));
        }

        return lines;
    }

    /// <summary>
    /// The file's lines, numbered from 1, read as they are taken rather than all at once: for files of lines that may
    /// be larger than <see cref="MaxBytes"/> (an audit pack's proofs). Each line must be valid UTF-8 and at most
    /// <paramref name="maxLineBytes"/> long; a byte-order mark is dropped, and so is a carriage return before a line feed.
    /// </summary>
    /// <exception cref="FormatException">A line is not valid UTF-8 or is too long; names the file and the line.</exception>
    public static IEnumerable<(int Line, string Text)> StreamLines(string path, int maxLineBytes = 16 << 20)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var line = new MemoryStream();
        var number = 0;
        var buffer = new byte[1 << 16];
        int read;
        while ((read = file.Read(buffer)) > 0 || line.Length > 0)
        {
            var start = 0;
            int end;
            while (start < read && (end = Array.IndexOf(buffer, (byte)'\n', start, read - start)) >= 0)
            {
                line.Write(buffer, start, end - start);
                yield return Decoded(path, ++number, line, maxLineBytes);
                line.SetLength(0);
                start = end + 1;
            }

            line.Write(buffer, start, read - start);
            if (line.Length > maxLineBytes)
            {
                throw TooLong(path, number + 1, maxLineBytes);
            }

            if (read == 0)
            {
                yield return Decoded(path, ++number, line, maxLineBytes);
                line.SetLength(0);
            }
        }
    }

    private static FormatException TooLong(string path, int number, int maxLineBytes) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{path}:{number}: the line is longer than {maxLineBytes >> 20} MB, more than any line RulesGate reads; split it."));

    private static (int, string) Decoded(string path, int number, MemoryStream line, int maxLineBytes)
    {
        if (line.Length > maxLineBytes)
        {
            throw TooLong(path, number, maxLineBytes);
        }

        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        try
        {
            var text = Utf8.GetString(bytes);
            return (number, number == 1 ? text.TrimStart('\uFEFF') : text);
        }
        catch (DecoderFallbackException error)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path}:{number}: not valid UTF-8; save the file as UTF-8."), error);
        }
    }

    private static FormatException Located(JsonException error, string source, int line)
    {
        var at = error.LineNumber is { } number ? string.Create(CultureInfo.InvariantCulture, $"{line + number}:{(error.BytePositionInLine ?? 0) + 1}") : line.ToString(CultureInfo.InvariantCulture);
        var message = error.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        message = cut > 0 ? message[..cut] : message;
        var hint = message.Contains("uplicate", StringComparison.Ordinal) ? " Write each key once." : "";
        return new FormatException($"{source}:{at}: {message}{hint}", error);
    }
}
