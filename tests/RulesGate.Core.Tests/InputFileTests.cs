namespace RulesGate.Core.Tests;

public sealed class InputFileTests
{
    [Fact]
    public void ReadAtMost_EndlessDevice_StopsOneBytePastTheBound()
    {
        Assert.Equal(4097, InputFile.ReadAtMost("/dev/zero", 4096).Length);
    }

    [Fact]
    public void Read_LargerThanTheBound_IsRefusedNamingTheFile()
    {
        Assert.Contains("/dev/zero is larger than", Assert.Throws<FormatException>(() => InputFile.Read("/dev/zero", 1 << 20)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WithinTheBound_ReturnsEveryByte()
    {
        var path = Path.GetTempFileName();
        try
        {
            byte[] bytes = [.. Enumerable.Range(0, 100_000).Select(i => (byte)i)];
            File.WriteAllBytes(path, bytes);

            Assert.Equal(bytes, InputFile.Read(path, 100_000));
            Assert.Throws<FormatException>(() => InputFile.Read(path, 99_999));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
