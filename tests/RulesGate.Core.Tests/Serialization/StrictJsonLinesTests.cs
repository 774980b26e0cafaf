using RulesGate.Core.Serialization;

namespace RulesGate.Core.Tests.Serialization;

public sealed class StrictJsonLinesTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-lines-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string File(byte[] bytes)
    {
        var path = Path.Combine(folder, "lines.jsonl");
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void StreamLines_NumbersEachLine_AsReadLinesDoes_WhateverItsEnding()
    {
        var text = "\uFEFF{\"a\":1}\r\n\n{\"b\":\"é\"}\n{\"c\":3}";
        var path = File(System.Text.Encoding.UTF8.GetBytes(text));

        var streamed = StrictJson.StreamLines(path).ToList();

        Assert.Equal([(1, "{\"a\":1}"), (2, ""), (3, "{\"b\":\"é\"}"), (4, "{\"c\":3}")], streamed);
        Assert.Equal(StrictJson.ReadLines(path), streamed);
    }

    [Fact]
    public void StreamLines_ALineAcrossManyReads_IsWhole()
    {
        var long_ = new string('x', 200_000);
        var path = File(System.Text.Encoding.UTF8.GetBytes($"{long_}\nend\n"));

        Assert.Equal([(1, long_), (2, "end")], StrictJson.StreamLines(path));
    }

    [Fact]
    public void StreamLines_ALineTooLongOrNotUtf8_IsNamedByItsNumber()
    {
        var tooLong = File(System.Text.Encoding.UTF8.GetBytes("ok\n" + new string('x', 3 << 20) + "\n"));
        var error = Assert.Throws<FormatException>(() => StrictJson.StreamLines(tooLong, maxLineBytes: 1 << 20).ToList());
        Assert.EndsWith("lines.jsonl:2: the line is longer than 1 MB, more than any line RulesGate reads; split it.", error.Message, StringComparison.Ordinal);

        var broken = File([(byte)'o', (byte)'k', (byte)'\n', 0xC3, 0x28, (byte)'\n']);
        error = Assert.Throws<FormatException>(() => StrictJson.StreamLines(broken).ToList());
        Assert.EndsWith("lines.jsonl:2: not valid UTF-8; save the file as UTF-8.", error.Message, StringComparison.Ordinal);
    }
}
