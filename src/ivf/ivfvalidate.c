/*-------------------------------------------------------------------------
 *
 * ivfvalidate.c
 *	  amvalidate of ivfflat: check an opclass's operators and functions.
 *
 * Problems are reported at INFO level and make the function return false,
 * as the core access methods do.  The support functions are described in
 * src/ivf/ivf.h and src/ivf/README.
 *
 * IDENTIFICATION
 *	  src/ivf/ivfvalidate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type_d.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "ivf/ivf.h"

/* Does the support function have the signature its number calls for? */
static bool
checkProc(HeapTuple proctup, Oid opcintype, bool *seen)
{
	Form_pg_amproc procform = (Form_pg_amproc) GETSTRUCT(proctup);

	if (procform->amprocnum < 1 || procform->amprocnum > IVF_NPROCS)
		return false;
	seen[procform->amprocnum] = true;
	switch (procform->amprocnum)
	{
		case IVF_DISTANCE_PROC:
			return check_amproc_signature(procform->amproc, FLOAT8OID, false,
										  2, 2, opcintype, opcintype);
		case IVF_NORM_PROC:
			return check_amproc_signature(procform->amproc, FLOAT8OID, false,
										  1, 1, opcintype);
		case IVF_NORMALIZE_PROC:
			return check_amproc_signature(procform->amproc, opcintype, false,
										  1, 1, opcintype);
		case IVF_SUPPORT_PROC:
			return check_amproc_signature(procform->amproc, INTERNALOID, false,
										  1, 1, INTERNALOID);
	}
	return false;
}

bool
ivfvalidate(Oid opclassoid)
{
	bool		result = true;
	HeapTuple	classtup,
				familytup;
	Form_pg_opclass classform;
	Oid			opfamilyoid,
				opcintype;
	char	   *opfamilyname;
	CatCList   *proclist,
			   *oprlist;
	bool		seen[IVF_NPROCS + 1] = {false};

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opfamilyoid = classform->opcfamily;
	opcintype = classform->opcintype;
	familytup = SearchSysCache1(OPFAMILYOID, ObjectIdGetDatum(opfamilyoid));
	if (!HeapTupleIsValid(familytup))
		elog(ERROR, "cache lookup failed for operator family %u", opfamilyoid);
	opfamilyname = pstrdup(NameStr(((Form_pg_opfamily) GETSTRUCT(familytup))->opfname));
	ReleaseSysCache(familytup);

	proclist = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamilyoid));
	for (int i = 0; i < proclist->n_members; i++)
	{
		HeapTuple	proctup = &proclist->members[i]->tuple;
		Form_pg_amproc procform = (Form_pg_amproc) GETSTRUCT(proctup);

		if (!checkProc(proctup, opcintype, seen))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("ivfflat opfamily %s contains function %s with wrong signature for support number %d",
							opfamilyname,
							format_procedure(procform->amproc),
							procform->amprocnum)));
			result = false;
		}
	}

	oprlist = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamilyoid));
	for (int i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

		if (oprform->amopstrategy != 1 ||
			oprform->amoppurpose != AMOP_ORDER ||
			!check_amop_signature(oprform->amopopr, FLOAT8OID,
								  oprform->amoplefttype,
								  oprform->amoprighttype))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("ivfflat opfamily %s contains operator %s with invalid strategy number, purpose or signature",
							opfamilyname,
							format_operator(oprform->amopopr))));
			result = false;
		}
	}

	if (!seen[IVF_DISTANCE_PROC] || !seen[IVF_SUPPORT_PROC])
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("ivfflat opclass %s is missing support function %d",
						NameStr(classform->opcname),
						seen[IVF_DISTANCE_PROC] ? IVF_SUPPORT_PROC : IVF_DISTANCE_PROC)));
		result = false;
	}
	if (seen[IVF_NORMALIZE_PROC] && !seen[IVF_NORM_PROC])
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("ivfflat opclass %s has support function %d without support function %d",
						NameStr(classform->opcname),
						IVF_NORMALIZE_PROC, IVF_NORM_PROC)));
		result = false;
	}

	ReleaseCatCacheList(proclist);
	ReleaseCatCacheList(oprlist);
	ReleaseSysCache(classtup);
	return result;
}
