package ai.chorus.engine.io;

/**
 * IEEE binary16 (F16) and bfloat16 (BF16) conversions; JDK 17 has no {@code Float.float16ToFloat}.
 * Widening is exact; NaN payloads are kept. Narrowing rounds to nearest, ties to even.
 */
public final class HalfFloats {
    private HalfFloats() {}

    public static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN: widen the payload
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa · 2^-24, exact in float
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13));
    }

    public static short floatToHalf(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int exponent = (f >>> 23) & 0xff;
        int mantissa = f & 0x7fffff;
        if (exponent == 0xff) { // infinity, or NaN kept a NaN (quiet bit set so the payload cannot vanish)
            return (short) (sign | 0x7c00 | (mantissa == 0 ? 0 : 0x200 | (mantissa >>> 13)));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) { // subnormal half: a count of 2^-24 units = significand >> (14 - halfExponent)
            if (halfExponent < -10) {
                return (short) sign; // below half the smallest subnormal
            }
            int significand = mantissa | 0x800000;
            return (short) (sign | roundShift(significand, 14 - halfExponent));
        }
        // The rounding carry may ripple into the exponent, up to infinity: that is the right answer.
        return (short) (sign | (((halfExponent << 10) | (mantissa >>> 13)) + roundingIncrement(mantissa, 13)));
    }

    public static float bfloat16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }

    /** value >> shift, rounded to nearest, ties to even. */
    private static int roundShift(int value, int shift) {
        return (value >>> shift) + roundingIncrement(value, shift);
    }

    private static int roundingIncrement(int value, int shift) {
        int remainder = value & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        int kept = value >>> shift;
        return remainder > halfway || (remainder == halfway && (kept & 1) == 1) ? 1 : 0;
    }
}
