// Startup of jobs/shell: a ready SparkSession, the sample tables and their configuration.
import java.nio.file.Path;
import java.time.LocalDate;
import org.apache.spark.sql.*;
import static org.apache.spark.sql.functions.*;
import io.kldrift.*;
import io.kldrift.config.DriftConfig;
import io.kldrift.console.*;

// Library calls print no progress lines here (a job's --quiet).
Progress.setDefault(Verbosity.QUIET);
var home = System.getProperty("kldrift.home");
var builder = SparkSession.builder().master(System.getProperty("kldrift.master", "local[*]")).appName("kldrift shell").config("spark.ui.enabled", "false");
// Delta's extension and catalog, as the jobs set them, so the session reads report.format=delta roots.
if (io.kldrift.store.DeltaSession.available()) io.kldrift.store.DeltaSession.configure(builder, java.util.Map.of());
var spark = builder.getOrCreate();
io.kldrift.store.DeltaSession.tuneLocal(spark);
spark.sparkContext().setLogLevel("ERROR");
var teacher = spark.read().parquet(home + "/sample-data/teacher");
var student = spark.read().parquet(home + "/sample-data/student");
teacher.createOrReplaceTempView("teacher");
student.createOrReplaceTempView("student");
var config = DriftConfig.builder().file(Path.of(home, "sample-data/kldrift.properties")).build();
System.out.println("kldrift " + KlDrift.VERSION + " shell: spark, teacher, student (also SQL views) and config are ready.");
System.out.println("Try: KlDrift.perExample(teacher, student, config).orderBy(desc(\"kl\")).show(5)");
