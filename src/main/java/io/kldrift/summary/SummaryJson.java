package io.kldrift.summary;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/**
 * The one Jackson mapper for {@link Summary}: snake-case names, pretty-printed, and non-finite
 * numbers written as null so that summary.json stays valid JSON. It reads summaries back too.
 */
public final class SummaryJson {
  private static final ObjectMapper MAPPER = create();

  private SummaryJson() {}

  /** The shared mapper (thread-safe once configured). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** summary.json's bytes. */
  public static byte[] bytes(Summary summary) {
    try {
      return MAPPER.writeValueAsBytes(summary);
    } catch (IOException e) {
      throw new IllegalStateException("summary.json cannot be written: " + e.getMessage(), e);
    }
  }

  /** A summary read back from summary.json's bytes. */
  public static Summary read(byte[] json) {
    try {
      return MAPPER.readValue(json, Summary.class);
    } catch (IOException e) {
      throw new IllegalStateException("summary.json cannot be read: " + e.getMessage(), e);
    }
  }

  private static ObjectMapper create() {
    ObjectMapper m = new ObjectMapper();
    m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    m.enable(SerializationFeature.INDENT_OUTPUT);
    SimpleModule finite = new SimpleModule("kldrift-finite");
    finite.addSerializer(Double.class, new FiniteDouble());
    finite.addSerializer(double.class, new FiniteDouble());
    m.registerModule(finite);
    return m;
  }

  /** NaN and infinities have no JSON spelling; undefined figures are null. */
  private static final class FiniteDouble extends StdSerializer<Double> {
    private static final long serialVersionUID = 1L;

    FiniteDouble() {
      super(Double.class);
    }

    @Override
    public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
      if (Double.isFinite(v)) {
        g.writeNumber(v);
      } else {
        g.writeNull();
      }
    }
  }
}
