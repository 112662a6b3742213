package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Array and string helpers of the drift state's binary format. */
final class Codec {
  private Codec() {}

  static void writeLongs(DataOutput out, long[] a) throws IOException {
    out.writeInt(a.length);
    for (long x : a) {
      out.writeLong(x);
    }
  }

  static long[] readLongs(DataInput in) throws IOException {
    long[] a = new long[in.readInt()];
    for (int i = 0; i < a.length; i++) {
      a[i] = in.readLong();
    }
    return a;
  }

  /** Reads an array written by {@link #writeLongs} and adds it into {@code into}. */
  static void addLongs(DataInput in, long[] into) throws IOException {
    long[] a = readLongs(in);
    if (a.length != into.length) {
      throw new IOException("array of " + a.length + " entries where " + into.length + " belong");
    }
    for (int i = 0; i < a.length; i++) {
      into[i] += a[i];
    }
  }

  static void writeDoubles(DataOutput out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double x : a) {
      out.writeDouble(x);
    }
  }

  static double[] readDoubles(DataInput in) throws IOException {
    double[] a = new double[in.readInt()];
    for (int i = 0; i < a.length; i++) {
      a[i] = in.readDouble();
    }
    return a;
  }

  /** A string that may be null. */
  static void writeString(DataOutput out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s.length() > 20000 ? s.substring(0, 20000) : s);
    }
  }

  static String readString(DataInput in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }
}
