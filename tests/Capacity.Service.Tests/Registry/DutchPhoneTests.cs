using Capacity.Service.Shared;

namespace Capacity.Service.Tests.Registry;

/// <summary>The phone numbers a desk's contact may carry: the Dutch formats desks write, nothing else.</summary>
public sealed class DutchPhoneTests
{
    [Theory]
    [InlineData("020 123 4567")]
    [InlineData("020-1234567")]
    [InlineData("(020) 123 45 67")]
    [InlineData("0297.123456")]
    [InlineData("020/123 4567")]
    [InlineData("06-12345678")]
    [InlineData("06 1234 5678")]
    [InlineData("+31 20 123 4567")]
    [InlineData("+31 (0)20 123 4567")]
    [InlineData("+31612345678")]
    [InlineData("0031 6 12345678")]
    [InlineData("0031 20 1234567")]
    [InlineData("0800-1234")]
    [InlineData("0800 1234567")]
    [InlineData("0900 1234567")]
    [InlineData("0906-1234")]
    [InlineData("0909 1234567")]
    [InlineData("14 020")]
    [InlineData("14 0297")]
    [InlineData(" 020 123 4567 ")]
    public void DutchNumbersAreAcceptedInEveryUsualLayout(string phone)
    {
        Assert.True(DutchPhone.IsValid(phone));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("()-")]
    [InlineData("112")]
    [InlineData("020 123 456")] // a digit short
    [InlineData("020 123 45678")] // a digit too many
    [InlineData("20 123 4567")] // no leading 0
    [InlineData("0800-12345")] // service numbers have 4 or 7 digits after the prefix
    [InlineData("0900 123456")]
    [InlineData("14 02")]
    [InlineData("14 02971")]
    [InlineData("+32 2 123 45 67")] // Belgium
    [InlineData("0032 2 1234567")]
    [InlineData("+49 30 1234567")]
    [InlineData("+31 020 123 4567")] // the 0 after +31 only as "(0)"
    [InlineData("+31 800 1234")]
    [InlineData("+31 14 020")]
    [InlineData("020 123 4567 toestel 12")]
    [InlineData("bel 06-12345678")]
    [InlineData("06_12345678")]
    [InlineData("020+1234567")]
    [InlineData("++31 20 123 4567")]
    [InlineData("0 2 0 - 1 2 3 - 4 5 6 7 . . . . . .")] // more layout than a number needs
    public void LettersOtherCountriesAndWrongLengthsAreRefused(string phone)
    {
        Assert.False(DutchPhone.IsValid(phone));
    }
}
