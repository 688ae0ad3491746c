import { getFunction } from '../functions.js';
import { assertNever, type Expr, type ValueType } from './ast.js';

/**
 * The static value type of an expression, as Prometheus' `Expr.Type()`: literals are scalars or
 * strings, selectors vectors or matrices, a binary expression is a vector when either side is, an
 * unknown function yields `vector`.
 */
export function typeOf(expr: Expr): ValueType {
  switch (expr.type) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
    case 'AggregateExpr':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'Call':
      return getFunction(expr.func)?.returnType ?? 'vector';
    case 'BinaryExpr':
      return typeOf(expr.lhs) === 'scalar' && typeOf(expr.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'UnaryExpr':
    case 'ParenExpr':
      return typeOf(expr.expr);
    default:
      return assertNever(expr);
  }
}

/** The type name as Prometheus prints it in messages (`instant vector`, `range vector`, ...). */
export function documentedType(type: ValueType): string {
  switch (type) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    case 'scalar':
      return 'scalar';
    case 'string':
      return 'string';
    default:
      return assertNever(type);
  }
}
