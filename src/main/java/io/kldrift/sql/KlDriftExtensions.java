package io.kldrift.sql;

import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import scala.runtime.BoxedUnit;

/**
 * Registers the kldrift SQL functions in every new session. Spark finds it through the jar's {@code
 * META-INF/services} entry, so SQL and PySpark users need only the jar; naming it in {@code
 * spark.sql.extensions} works too.
 */
public final class KlDriftExtensions implements SparkSessionExtensionsProvider {

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    for (KlDriftFunctions.Definition d : KlDriftFunctions.all()) {
      extensions.injectFunction(new scala.Tuple3<>(d.identifier(), d.info(), d.sparkBuilder()));
    }
    return BoxedUnit.UNIT;
  }
}
