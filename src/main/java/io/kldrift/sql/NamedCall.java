package io.kldrift.sql;

import java.io.Serializable;
import java.util.Objects;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.InheritAnalysisRules;
import org.apache.spark.sql.catalyst.expressions.RuntimeReplaceable;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.types.DataType;
import scala.Enumeration;
import scala.Function1;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * A kldrift function call as the user wrote it: shown (in column names, plans, errors) as {@code
 * kl_div(probs, probs)} rather than as the {@code static_invoke(KernelCalls...)} it stands for. The
 * optimizer replaces it by that expression, so the generated code is unchanged. This is how Spark's
 * own built-ins such as {@code nvl} keep their names ({@code RuntimeReplaceable} with {@code
 * InheritAnalysisRules}).
 */
final class NamedCall extends Expression
    implements RuntimeReplaceable, InheritAnalysisRules, Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final Seq<Expression> parameters;
  private final Expression replacement;
  private Seq<Enumeration.Value> nodePatterns;

  NamedCall(String name, Seq<Expression> parameters, Expression replacement) {
    this.name = name;
    this.parameters = parameters;
    this.replacement = replacement;
    RuntimeReplaceable.$init$(this);
  }

  @Override
  public Expression replacement() {
    return replacement;
  }

  @Override
  public Seq<Expression> parameters() {
    return parameters;
  }

  @Override
  public String prettyName() {
    return name;
  }

  @Override
  public String sql() {
    return InheritAnalysisRules.super.sql();
  }

  @Override
  public scala.collection.Iterator<Object> flatArguments() {
    return InheritAnalysisRules.super.flatArguments();
  }

  @Override
  public Expression child() {
    return replacement;
  }

  @Override
  public Seq<Expression> children() {
    return InheritAnalysisRules.super.children();
  }

  @Override
  public Expression mapChildren(Function1<Expression, Expression> f) {
    return InheritAnalysisRules.super.mapChildren(f);
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> children) {
    return InheritAnalysisRules.super.withNewChildrenInternal(children);
  }

  @Override
  public Expression withNewChildInternal(Expression newChild) {
    return new NamedCall(name, parameters, newChild);
  }

  @Override
  public Seq<Enumeration.Value> nodePatterns() {
    return nodePatterns;
  }

  @Override
  public void
      org$apache$spark$sql$catalyst$expressions$RuntimeReplaceable$_setter_$nodePatterns_$eq(
          Seq<Enumeration.Value> patterns) {
    this.nodePatterns = patterns;
  }

  @Override
  public boolean nullable() {
    return replacement.nullable();
  }

  @Override
  public DataType dataType() {
    return replacement.dataType();
  }

  @Override
  public Expression canonicalized() {
    return replacement.canonicalized();
  }

  @Override
  public Object eval(InternalRow input) {
    return replacement.eval(input);
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    return replacement.genCode(ctx);
  }

  @Override
  public int productArity() {
    return 3;
  }

  @Override
  public Object productElement(int n) {
    switch (n) {
      case 0:
        return name;
      case 1:
        return parameters;
      case 2:
        return replacement;
      default:
        throw new IndexOutOfBoundsException(n);
    }
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof NamedCall;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NamedCall c
        && name.equals(c.name)
        && parameters.equals(c.parameters)
        && replacement.equals(c.replacement);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, parameters, replacement);
  }
}
